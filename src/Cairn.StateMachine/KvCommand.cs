namespace Cairn.StateMachine;

/// <summary>
/// One request to the state machine, already validated by the caller's syntax checks.
/// Operands by op:
/// <list type="bullet">
/// <item>Set, SetNx, Append: [key, value]; Set expiry in Number per flags.</item>
/// <item>SetRange: [key, value], Number = offset. GetRange: [key], Number = start, Number2 = end.</item>
/// <item>IncrBy: [key], Number = delta. IncrByFloat: [key], Float = delta (NaN: the increment given was no number, refused after the key's type and value are checked, as Redis orders it).</item>
/// <item>GetEx, Expire: [key], Number = expiry per flags (GetEx with ExpiryRefused: Number = the error to give). GetDel, Persist, Get, StrLen, Type, Ttl, ExpireTime: [key].</item>
/// <item>MSet, MSetNx: [k1, v1, k2, v2, ...]. Del, MGet, Exists: keys. Rename, RenameNx: [source, destination].</item>
/// <item>ExpireKeys: [k1, e1, k2, e2, ...], each e an 8-byte big-endian expiry that must still be the key's for it to go.</item>
/// <item>SetAlarm: [reason], or [empty] to disarm. DigestMark, FlushAll: none.</item>
/// <item>Keys: [pattern]. Scan: [pattern or empty, type or empty], Number = cursor, Number2 = count.</item>
/// </list>
/// The instance owns its operand arrays; nobody mutates them after construction.
/// </summary>
public sealed class KvCommand(KvOp op, byte[][] args, long number = 0, long number2 = 0, KvFlags flags = KvFlags.None, double @float = 0)
{
    public KvOp Op { get; } = op;

    public byte[][] Args { get; } = args;

    public long Number { get; } = number;

    public long Number2 { get; } = number2;

    public double Float { get; } = @float;

    public KvFlags Flags { get; } = flags;

    public bool Has(KvFlags flag) => (Flags & flag) != 0;

    public bool IsWrite => Op.IsWrite();
}
