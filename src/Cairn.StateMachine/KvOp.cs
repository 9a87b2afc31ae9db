namespace Cairn.StateMachine;

/// <summary>
/// Operations of the key-value state machine. Writes change state and go through the log;
/// queries only read. The operand layout of each op is documented on <see cref="KvCommand"/>.
/// </summary>
public enum KvOp : byte
{
    // Writes
    Set = 1,
    SetNx,
    GetDel,
    GetEx,
    MSet,
    MSetNx,
    Append,
    SetRange,
    IncrBy,
    IncrByFloat,
    Del,
    Rename,
    RenameNx,
    Expire,
    Persist,
    FlushAll,
    ExpireKeys,

    /// <summary>No change: marks an index at which every replica computes the digest of its state (RAFT.CHECK).</summary>
    DigestMark,

    /// <summary>Raises the corrupt alarm on every replica ([reason]), or disarms it ([empty]): writes are refused while it is up.</summary>
    SetAlarm,

    // Queries
    Get = 64,
    MGet,
    StrLen,
    GetRange,
    Exists,
    Type,
    Ttl,
    ExpireTime,
    Keys,
    Scan,
    RandomKey,
    DbSize,

    /// <summary>API only: [key] → null, or [value, revision, expireAt].</summary>
    GetRecord,

    /// <summary>API only: [prefix, after], Number = limit → [[key, value, revision, expireAt]..., next cursor or null].</summary>
    Range,
}

/// <summary>Option bits of a <see cref="KvCommand"/>.</summary>
[Flags]
public enum KvFlags : ushort
{
    None = 0,
    Nx = 1 << 0,
    Xx = 1 << 1,
    Gt = 1 << 2,
    Lt = 1 << 3,

    /// <summary>SET ... GET: reply with the old value.</summary>
    Get = 1 << 4,
    KeepTtl = 1 << 5,
    Persist = 1 << 6,

    /// <summary><see cref="KvCommand.Number"/> is an expiry in milliseconds relative to the entry's timestamp.</summary>
    ExpireRelative = 1 << 7,

    /// <summary><see cref="KvCommand.Number"/> is an absolute expiry in Unix milliseconds.</summary>
    ExpireAbsolute = 1 << 8,

    /// <summary>TTL/EXPIRETIME: answer in milliseconds rather than seconds.</summary>
    Milliseconds = 1 << 9,

    /// <summary>Range: keys without their values.</summary>
    KeysOnly = 1 << 10,

    /// <summary>API writes: SET replies with the key's new revision instead of OK; DEL with [deleted, revision].</summary>
    WithRevision = 1 << 11,

    /// <summary>
    /// GETEX: the expiry's value was refused by the syntax (<see cref="KvCommand.Number"/> 1: not an integer, 2: an
    /// invalid time); answered with that error only if the key exists as a string, as Redis checks the value after
    /// the key. Nothing is changed.
    /// </summary>
    ExpiryRefused = 1 << 12,
}

public static class KvOpExtensions
{
    public static bool IsWrite(this KvOp op) => (byte)op < (byte)KvOp.Get;
}
