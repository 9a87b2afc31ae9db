using System.Diagnostics;
using System.Text;
using Cairn.StateMachine;
using Cairn.StateMachine.Hashes;
using Cairn.StateMachine.Lists;
using Cairn.StateMachine.Sets;
using Cairn.StateMachine.SortedSets;
using Cairn.Storage.RocksDb;

// Point operations on a 1,000,000-member hash, set, sorted set and list cost what they cost on a 10-member one
// (issue 20: ±20%), DEL of the big ones is immediate, and memory stays bounded: a KvStateMachine over RocksDB on
// disk, writes applied as a cluster applies them (encoded, decoded, in batches), reads as queries. Rounds alternate
// small and big so that machine noise hits both; the median of the rounds is reported.
//   dotnet run -c Release --project bench/Cairn.Collections.Bench -- [members] [ops per round] [rounds] [only ops starting with]
var members = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
var ops = args.Length > 1 ? int.Parse(args[1]) : 20_000;
var rounds = args.Length > 2 ? int.Parse(args[2]) : 5;
var only = args.Length > 3 ? args[3] : "";
var directory = Path.Combine(Path.GetTempPath(), $"cairn-collections-bench-{Environment.ProcessId}");
try
{
    using var engine = new RocksKvEngine(directory, new RocksOptions());
    var machine = new KvStateMachine(engine, new RecordCache(256 << 20), new KeyIndex(KeyIndex.BoundFor(256 << 20)));
    long index = 0;
    var random = new Random(7);
    byte[] B(string s) => Encoding.ASCII.GetBytes(s);
    string M(int i) => $"member:{i:D9}";

    void Apply(params KvCommand[] commands)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var entries = commands.Select(c =>
        {
            var command = KvCommandCodec.Decode(KvCommandCodec.Encode(c, now).ToArray(), out var stamp);
            return new KvEntry(++index, stamp, command);
        }).ToArray();
        var replies = new KvReply[entries.Length];
        machine.Apply(entries, replies, sync: false);
        foreach (var reply in replies.Where(r => r.IsError))
        {
            throw new InvalidOperationException(reply.ToString());
        }
    }

    KvCommand P(Func<byte[][], Parsed> syntax, params string[] argv) => syntax([.. argv.Select(B)]).Command ?? throw new InvalidOperationException(string.Join(' ', argv));

    void Fill(string key, int count)
    {
        const int perCommand = 1000;
        for (var start = 0; start < count; start += perCommand * 10)
        {
            var batch = new List<KvCommand>();
            for (var c = start; c < Math.Min(count, start + perCommand * 10); c += perCommand)
            {
                var range = Enumerable.Range(c, Math.Min(perCommand, count - c)).ToList();
                batch.Add(key[0] switch
                {
                    'h' => P(HashSyntax.HSet, ["hset", key, .. range.SelectMany(i => new[] { M(i), "value:" + i })]),
                    's' => P(SetSyntax.SAdd, ["sadd", key, .. range.Select(M)]),
                    'z' => P(ZSetSyntax.ZAdd, ["zadd", key, .. range.SelectMany(i => new[] { $"{i}", M(i) })]),
                    _ => P(ListSyntax.RPush, ["rpush", key, .. range.Select(M)]),
                });
            }
            Apply([.. batch]);
        }
    }

    // The operations measured: (name, key type, make one op for a collection of n members).
    var cases = new (string Name, char Type, bool Write, Func<string, int, KvCommand[]> Make)[]
    {
        ("HSET update", 'h', true, (k, n) => [P(HashSyntax.HSet, "hset", k, M(random.Next(n)), "new")]),
        ("HGET", 'h', false, (k, n) => [P(HashSyntax.HGet, "hget", k, M(random.Next(n)))]),
        ("HSET new + HDEL", 'h', true, (k, n) => [P(HashSyntax.HSet, "hset", k, "fresh", "v"), P(HashSyntax.HDel, "hdel", k, "fresh")]),
        ("SADD new + SREM", 's', true, (k, n) => [P(SetSyntax.SAdd, "sadd", k, "fresh"), P(SetSyntax.SRem, "srem", k, "fresh")]),
        ("SISMEMBER", 's', false, (k, n) => [P(SetSyntax.SIsMember, "sismember", k, M(random.Next(n)))]),
        ("SADD + SPOP", 's', true, (k, n) => [P(SetSyntax.SAdd, "sadd", k, $"fresh{random.Next()}"), P(SetSyntax.SPop, "spop", k)]),
        ("ZADD update", 'z', true, (k, n) => [P(ZSetSyntax.ZAdd, "zadd", k, $"{random.Next(n)}", M(random.Next(n)))]),
        ("ZSCORE", 'z', false, (k, n) => [P(ZSetSyntax.ZScore, "zscore", k, M(random.Next(n)))]),
        ("ZRANGE 0 9", 'z', false, (k, n) => [P(ZSetSyntax.ZRange, "zrange", k, "0", "9")]),
        ("ZADD + ZPOPMIN", 'z', true, (k, n) => [P(ZSetSyntax.ZAdd, "zadd", k, "-1", "fresh"), P(ZSetSyntax.ZPopMin, "zpopmin", k)]),
        ("LPUSH + RPOP", 'l', true, (k, n) => [P(ListSyntax.LPush, "lpush", k, M(0)), P(ListSyntax.RPop, "rpop", k)]),
        ("LINDEX middle", 'l', false, (k, n) => [P(ListSyntax.LIndex, "lindex", k, $"{n / 2}")]),
        ("LSET middle", 'l', true, (k, n) => [P(ListSyntax.LSet, "lset", k, $"{n / 2}", "y")]),
        ("LRANGE 0 99", 'l', false, (k, n) => [P(ListSyntax.LRange, "lrange", k, "0", "99")]),
    };

    var process = Process.GetCurrentProcess();
    var build = Stopwatch.StartNew();
    foreach (var type in "hszl".Where(t => cases.Any(c => c.Type == t && c.Name.StartsWith(only, StringComparison.OrdinalIgnoreCase))))
    {
        Fill($"{type}:small", 10);
        Fill($"{type}:big", members);
    }
    var loaded = build.Elapsed;
    // Measured once RocksDB is quiet: right after the load, its flushes and compactions take the cores from both sides.
    string Stat(string name) => engine.GetStats().First(s => s.Key == name).Value;
    var settle = Stopwatch.StartNew();
    for (var quiet = 0; quiet < 3 && settle.Elapsed < TimeSpan.FromMinutes(10); Thread.Sleep(1000))
    {
        quiet = Stat("rocksdb_running_compactions") == "0" && Stat("rocksdb_running_flushes") == "0" && Stat("rocksdb_pending_compaction_bytes") == "0" ? quiet + 1 : 0;
    }
    process.Refresh();
    Console.WriteLine($"# Point operations: 10 vs {members:N0} members — {DateTime.UtcNow:yyyy-MM-dd} — {Environment.ProcessorCount} cores");
    Console.WriteLine();
    Console.WriteLine($"Built 4 × {members:N0} members in {loaded.TotalSeconds:F0} s, then {settle.Elapsed.TotalSeconds:F0} s until RocksDB had no compaction running or pending; working set {process.WorkingSet64 >> 20} MB (record cache 256 MB, RocksDB block cache default).");
    Console.WriteLine($"{ops:N0} ops per round, {rounds} rounds alternating small and big; median µs per op (a pair counts as one op; writes are applied 16 entries per batch, as the log hands them over).");
    Console.WriteLine();
    Console.WriteLine($"| op | 10 members | {members:N0} members | ratio |");
    Console.WriteLine("|---|---|---|---|");

    double Time(string key, int n, (string Name, char Type, bool Write, Func<string, int, KvCommand[]> Make) op)
    {
        var commands = Enumerable.Range(0, ops).SelectMany(_ => op.Make(key, n)).ToArray();
        var clock = Stopwatch.StartNew();
        if (op.Write)
        {
            foreach (var chunk in commands.Chunk(16))
            {
                Apply(chunk);
            }
        }
        else
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var command in commands)
            {
                machine.Query(command, now);
            }
        }
        return clock.Elapsed.TotalMicroseconds / ops;
    }

    foreach (var op in cases.Where(c => c.Name.StartsWith(only, StringComparison.OrdinalIgnoreCase)))
    {
        var small = new List<double>();
        var big = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            small.Add(Time($"{op.Type}:small", 10, op));
            big.Add(Time($"{op.Type}:big", members, op));
        }
        double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
        Console.WriteLine($"| {op.Name} | {Median(small):F2} | {Median(big):F2} | {Median(big) / Median(small):F2} |");
    }

    var del = Stopwatch.StartNew();
    Apply(new KvCommand(KvOp.Del, [B("h:big"), B("s:big"), B("z:big"), B("l:big")]));
    var delMs = del.Elapsed.TotalMilliseconds;
    process.Refresh();
    Console.WriteLine();
    Console.WriteLine($"DEL of the four big collections (one entry): {delMs:F2} ms; working set after: {process.WorkingSet64 >> 20} MB.");
}
finally
{
    Directory.Delete(directory, recursive: true);
}
