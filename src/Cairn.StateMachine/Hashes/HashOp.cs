namespace Cairn.StateMachine;

/// <summary>
/// The hash family's ops (<see cref="KvFamily.Hashes"/>; their <see cref="KvOp"/> is <see cref="KvOps.Of(HashOp)"/>).
/// Writes below 64, queries from 64. Fields live in the members space under their hash (see
/// <see cref="Collections.MemberKeys"/>), the value as the member's value.
/// </summary>
public enum HashOp : byte
{
    /// <summary>[key, f1, v1, f2, v2...] → the number of fields added.</summary>
    HSet = 1,

    /// <summary>As <see cref="HSet"/> → OK.</summary>
    HMSet,

    /// <summary>[key, field, value] → 1 if set, 0 if the field existed.</summary>
    HSetNx,

    /// <summary>[key, f1, f2...] → the number of fields removed.</summary>
    HDel,

    /// <summary>[key, field], Number = increment → the new value.</summary>
    HIncrBy,

    /// <summary>[key, field], Float = increment (finite) → the new value as text.</summary>
    HIncrByFloat,

    /// <summary>[key, field] → the value or null.</summary>
    HGet = 64,

    /// <summary>[key, f1, f2...] → values or nulls.</summary>
    HMGet,

    /// <summary>[key] → a map of every field and value.</summary>
    HGetAll,

    /// <summary>[key] → every field.</summary>
    HKeys,

    /// <summary>[key] → every value.</summary>
    HVals,

    /// <summary>[key] → the number of fields.</summary>
    HLen,

    /// <summary>[key, field] → 1 or 0.</summary>
    HExists,

    /// <summary>[key, field] → the value's length, 0 when absent.</summary>
    HStrLen,

    /// <summary>[key]; flag Count: Number = count (negative: repeats allowed); flag WithValues.</summary>
    HRandField,

    /// <summary>See <see cref="Collections.ScanSyntax"/>.</summary>
    HScan,
}
