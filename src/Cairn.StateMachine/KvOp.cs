namespace Cairn.StateMachine;

/// <summary>
/// Operations of the key-value state machine: family (high byte, <see cref="KvFamily"/>) and the family's op
/// (low byte). Writes (low byte below 64) change state and go through the log; queries only read. The members
/// here are the core family's (strings, keys, the cluster's own ops), with operands documented on
/// <see cref="KvCommand"/>; every other family has its own op enum (its folder's <c>*Op.cs</c>), whose members
/// document their operands, and makes its <see cref="KvOp"/> values with <see cref="KvOps.Of"/>.
/// </summary>
public enum KvOp : ushort
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

    /// <summary>[source, destination]; flag Replace: over a live destination → 1 if copied, else 0.</summary>
    Copy,

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

    /// <summary>[key], Number = 0 ENCODING, 1 REFCOUNT, 2 IDLETIME, 3 FREQ → OBJECT's reply, null without the key.</summary>
    ObjectInfo,
}

/// <summary>Option bits of a <see cref="KvCommand"/>.</summary>
[Flags]
public enum KvFlags : uint
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

    /// <summary>HRANDFIELD, SRANDMEMBER, SPOP, ZRANDMEMBER...: a count was given (<see cref="KvCommand.Number"/>), so the reply is an array.</summary>
    Count = 1 << 13,

    /// <summary>HRANDFIELD: fields with their values.</summary>
    WithValues = 1 << 14,

    /// <summary>ZRANGE, ZRANDMEMBER, ZUNION...: members with their scores.</summary>
    WithScores = WithValues,

    /// <summary>ZADD: count changed members too, not only added ones.</summary>
    Ch = 1 << 15,

    /// <summary>ZADD: increment the score (one pair), reply with the new score.</summary>
    Incr = 1 << 16,

    /// <summary>ZRANGE...: from the highest score down; ZMPOP: MAX.</summary>
    Rev = 1 << 17,

    /// <summary>ZRANGE...: the bounds are scores.</summary>
    ByScore = 1 << 18,

    /// <summary>ZRANGE...: the bounds are members (lexicographic).</summary>
    ByLex = 1 << 19,

    /// <summary>ZRANGE...: LIMIT offset count (Number, Number2).</summary>
    Limit = 1 << 20,

    /// <summary>ZUNION, ZINTER: AGGREGATE MIN.</summary>
    AggregateMin = 1 << 21,

    /// <summary>ZUNION, ZINTER: AGGREGATE MAX.</summary>
    AggregateMax = 1 << 22,

    /// <summary>
    /// LSET, LINDEX: the index given was no integer; answered with Redis's "not an integer" error only after the key
    /// checks Redis makes first (no such key, WRONGTYPE). Nothing is changed.
    /// </summary>
    IndexRefused = 1 << 23,

    /// <summary>COPY ... REPLACE: over a live destination.</summary>
    Replace = 1 << 24,
}

/// <summary>The families of ops, by their folders; the value is the high byte of every <see cref="KvOp"/> of the family.</summary>
public enum KvFamily : byte
{
    Core = 0,
    Hashes = 1,
    Sets = 2,
    SortedSets = 3,
    Lists = 4,
    Bits = 5,
    PubSub = 6,
    Blocking = 7,
}

public static class KvOpExtensions
{
    public static bool IsWrite(this KvOp op) => op.Low() < (byte)KvOp.Get;

    /// <summary>The op within its family: the low byte.</summary>
    public static byte Low(this KvOp op) => (byte)((ushort)op & 0xFF);

    public static KvFamily Family(this KvOp op) => (KvFamily)((ushort)op >> 8);

    /// <summary>Whether the op is one this build knows (a peer or an old log may send anything).</summary>
    public static bool IsKnown(this KvOp op) =>
        op.Family() == KvFamily.Core ? Enum.IsDefined(op) : KvFamilies.Of(op) is { } family && Enum.IsDefined(family.Ops, op.Low());

    /// <summary>The op's name in errors and logs: "HSet", "Set".</summary>
    public static string Name(this KvOp op) =>
        !op.IsKnown() ? $"op {(ushort)op:x4}"
        : op.Family() == KvFamily.Core ? op.ToString()
        : Enum.GetName(KvFamilies.Of(op)!.Ops, op.Low())!;
}

/// <summary>Makes a family's ops into <see cref="KvOp"/> values.</summary>
public static class KvOps
{
    public static KvOp Of(KvFamily family, byte op) => (KvOp)(((ushort)family << 8) | op);

    public static KvOp Of(HashOp op) => Of(KvFamily.Hashes, (byte)op);

    public static KvOp Of(SetOp op) => Of(KvFamily.Sets, (byte)op);

    public static KvOp Of(ZSetOp op) => Of(KvFamily.SortedSets, (byte)op);

    public static KvOp Of(ListOp op) => Of(KvFamily.Lists, (byte)op);

    public static KvOp Of(BitsOp op) => Of(KvFamily.Bits, (byte)op);

    public static KvOp Of(PubSubOp op) => Of(KvFamily.PubSub, (byte)op);

    public static KvOp Of(BlockingOp op) => Of(KvFamily.Blocking, (byte)op);
}
