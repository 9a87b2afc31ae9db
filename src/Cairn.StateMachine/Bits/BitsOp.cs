namespace Cairn.StateMachine;

/// <summary>
/// The bit operations on strings (<see cref="KvFamily.Bits"/>; <see cref="KvOps.Of(BitsOp)"/>). Writes below 64,
/// queries from 64. A string is one record (<see cref="ValueRecord"/>): a write rewrites it whole. Bit offsets are
/// below 2^32 (512 MB), as Redis's proto-max-bulk-len bounds them.
/// </summary>
public enum BitsOp : byte
{
    /// <summary>[key], Number = bit offset, Number2 = the bit (0 or 1) → the bit it replaced.</summary>
    SetBit = 1,

    /// <summary>[destination, k1, k2...], Number = 0 AND, 1 OR, 2 XOR, 3 NOT (one source) → the result's length.</summary>
    BitOp,

    /// <summary>[key, op1, op2...], each op as <see cref="Bits.BitFields"/> encodes it → one reply per GET, SET, INCRBY.</summary>
    BitField,

    /// <summary>[key], Number = bit offset → the bit.</summary>
    GetBit = 64,

    /// <summary>[key, start, end, unit] as given (start to unit optional), parsed after the key's type as Redis does → the count.</summary>
    BitCount,

    /// <summary>[key, start, end, unit] as given (all optional, parsed after the key's type), Number = the bit sought → its position or -1.</summary>
    BitPos,

    /// <summary>As <see cref="BitField"/>, GET only (BITFIELD_RO, and BITFIELD with GETs only).</summary>
    BitFieldRo,
}
