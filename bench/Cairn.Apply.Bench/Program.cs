using System.Diagnostics;
using Cairn.StateMachine;
using Cairn.Storage.RocksDb;

// The cost of applying replicated SETs, as every node of a cluster does for every write: encoded commands
// (as they sit in the Raft log) are decoded and applied in batches to a KvStateMachine over RocksDB on
// disk, keys drawn at random from a fixed key space (as redis-benchmark -r), 100-byte values. Reports
// microseconds of process CPU (including RocksDB's flush and compaction threads) per applied entry,
// first while most keys are new, then in steady state.
//   dotnet run -c Release --project bench/Cairn.Apply.Bench -- [entries] [batch] [keyspace] [cacheMB] [writeBufferMB]
var total = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
var batchSize = args.Length > 1 ? int.Parse(args[1]) : 20;
var keySpace = args.Length > 2 ? int.Parse(args[2]) : 100_000;
var cacheBytes = (args.Length > 3 ? long.Parse(args[3]) : 256) << 20;
var writeBuffer = (args.Length > 4 ? long.Parse(args[4]) : 16) << 20;

var directory = Path.Combine(Path.GetTempPath(), $"cairn-apply-bench-{Environment.ProcessId}");
try
{
    using var engine = new RocksKvEngine(directory, new RocksOptions { WriteBufferBytes = writeBuffer });
    var machine = new KvStateMachine(engine, new RecordCache(cacheBytes), new KeyIndex(KeyIndex.BoundFor(cacheBytes)));
    var random = new Random(42);
    var value = new byte[100];
    var entries = new KvEntry[batchSize];
    var replies = new KvReply[batchSize];
    var payloads = new byte[batchSize][];
    long index = 0;
    var process = Process.GetCurrentProcess();

    void ApplyBatches(int count)
    {
        for (var done = 0; done < count; done += batchSize)
        {
            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (var i = 0; i < batchSize; i++)
            {
                var key = "key:" + random.Next(keySpace).ToString("D12");
                payloads[i] = KvCommandCodec.Encode(new KvCommand(KvOp.Set, [System.Text.Encoding.ASCII.GetBytes(key), value]), timestamp).ToArray();
            }
            for (var i = 0; i < batchSize; i++)
            {
                var command = KvCommandCodec.Decode(payloads[i], out var stamp);
                entries[i] = new KvEntry(++index, stamp, command);
            }
            machine.Apply(entries, replies, sync: false);
        }
    }

    void Measure(string phase, int count)
    {
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var collections = GC.CollectionCount(0);
        var paused = GC.GetTotalPauseDuration();
        var wall = Stopwatch.StartNew();
        ApplyBatches(count);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        process.Refresh();
        var used = process.TotalProcessorTime - cpu;
        Console.WriteLine($"{phase,-8} batch {batchSize,4}: {used.TotalMicroseconds / count,6:F2} us CPU/entry, {wall.Elapsed.TotalMicroseconds / count,6:F2} us wall/entry, {allocated / count,5} B allocated/entry, {GC.CollectionCount(0) - collections} GCs pausing {(GC.GetTotalPauseDuration() - paused).TotalMicroseconds / count:F2} us/entry ({count:N0} entries)");
    }

    Measure("fresh", Math.Min(keySpace, total / 4));
    Measure("steady", total - Math.Min(keySpace, total / 4));
}
finally
{
    Directory.Delete(directory, recursive: true);
}
