using System.Text;
using Cairn.Storage;
using Cairn.Storage.RocksDb;

namespace Cairn.StateMachine.Tests;

/// <summary>A state machine over a real engine, with a controllable clock and log index.</summary>
public sealed class Harness : IDisposable
{
    private readonly string? _directory;
    private readonly long _cacheBytes;
    private readonly long _keyIndexBytes;
    private long _index;

    public Harness(string engine, long? cacheBytes = null, long? keyIndexBytes = null)
    {
        if (engine.StartsWith("rocksdb", StringComparison.Ordinal))
        {
            _directory = Path.Combine(Path.GetTempPath(), "cairn-sm-" + Guid.NewGuid().ToString("N"));
            Engine = new RocksKvEngine(_directory);
        }
        else
        {
            Engine = new InMemoryKvEngine();
        }
        _cacheBytes = cacheBytes ?? (engine.EndsWith("+cache", StringComparison.Ordinal) ? 1 << 20 : 0);
        _keyIndexBytes = keyIndexBytes ?? KvStateMachine.DefaultKeyIndexBytes;
        Machine = new KvStateMachine(Engine, new RecordCache(_cacheBytes), new KeyIndex(_keyIndexBytes));
    }

    /// <summary>The engines every state machine test runs on; "+cache" puts a record cache in front.</summary>
    public static TheoryData<string> Engines => new() { "memory", "rocksdb", "rocksdb+cache" };

    public IKvEngine Engine { get; private set; }

    public KvStateMachine Machine { get; private set; }

    /// <summary>The proposer's clock for the next entries, Unix ms.</summary>
    public long Now { get; set; } = 1_700_000_000_000;

    public KvReply Write(KvCommand command) => WriteBatch(command)[0];

    public KvReply[] WriteBatch(params KvCommand[] commands)
    {
        var entries = commands.Select(c => new KvEntry(++_index, Now, c)).ToArray();
        var replies = new KvReply[entries.Length];
        Machine.Apply(entries, replies, sync: false);
        return replies;
    }

    /// <summary>Writes forwarded in a session, as one batch: each with its stamp.</summary>
    public KvReply[] WriteForwarded(params (KvCommand Command, SessionStamp Stamp)[] writes) =>
        WriteTimed(writes.Select(w => (w.Command, w.Stamp, Now)).ToArray());

    /// <summary>Goes on from the machine's applied index (after a restore).</summary>
    public void ContinueFromApplied() => _index = Machine.AppliedIndex;

    /// <summary>Writes as one batch, each with its own session stamp and proposer's clock.</summary>
    public KvReply[] WriteTimed(params (KvCommand Command, SessionStamp Stamp, long Now)[] writes)
    {
        var entries = writes.Select(w => new KvEntry(++_index, w.Now, w.Command, w.Stamp)).ToArray();
        var replies = new KvReply[entries.Length];
        Machine.Apply(entries, replies, sync: false);
        return replies;
    }

    public KvReply Read(KvCommand command, long? at = null) => Machine.Query(command, at ?? Now);

    public string? Get(string key, long? at = null)
    {
        var reply = Read(new KvCommand(KvOp.Get, [B(key)]), at);
        return reply.Kind == KvReplyKind.Null ? null : reply.ToString();
    }

    /// <summary>Reopens the store from disk, as after a restart (RocksDB only).</summary>
    public void Reopen()
    {
        Engine.Dispose();
        Engine = new RocksKvEngine(_directory!);
        Machine = new KvStateMachine(Engine, new RecordCache(_cacheBytes), new KeyIndex(_keyIndexBytes));
    }

    /// <summary>A new state machine over the same engine (after a test wrote to the engine behind its back).</summary>
    public void Rebuild() => Machine = new KvStateMachine(Engine, new RecordCache(_cacheBytes), new KeyIndex(_keyIndexBytes));

    public static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>What a family's syntax makes of argv (the command's name first); throws on its error.</summary>
    public static KvCommand P(Func<byte[][], Parsed> syntax, params string[] argv)
    {
        var parsed = syntax([.. argv.Select(B)]);
        return parsed.Command ?? throw new InvalidOperationException(parsed.Error);
    }

    /// <summary>Parses argv with the family's syntax and applies it (a write) or queries it.</summary>
    public KvReply Run(Func<byte[][], Parsed> syntax, params string[] argv)
    {
        var command = P(syntax, argv);
        return command.IsWrite ? Write(command) : Read(command);
    }

    public static KvCommand Set(string key, string value, KvFlags flags = KvFlags.None, long number = 0) =>
        new(KvOp.Set, [B(key), B(value)], number, flags: flags);

    public void Dispose()
    {
        Engine.Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
