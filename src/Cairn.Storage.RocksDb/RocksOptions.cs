namespace Cairn.Storage.RocksDb;

/// <summary>RocksDB tuning knobs Cairn exposes (TOML [rocksdb]).</summary>
public sealed record RocksOptions
{
    public int MaxOpenFiles { get; init; } = 1000;

    public long BlockCacheBytes { get; init; } = 256L * 1024 * 1024;

    public long WriteBufferBytes { get; init; } = 16L * 1024 * 1024;
}
