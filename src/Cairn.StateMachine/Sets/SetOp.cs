namespace Cairn.StateMachine;

/// <summary>
/// The set family's ops (<see cref="KvFamily.Sets"/>; <see cref="KvOps.Of(SetOp)"/>). Writes below 64, queries from
/// 64. Members live in the members space under their hash (<see cref="Collections.MemberKeys"/>), each holding its
/// position (<see cref="Sets.SetPositions"/>).
/// </summary>
public enum SetOp : byte
{
    /// <summary>[key, m1, m2...] → the number added.</summary>
    SAdd = 1,

    /// <summary>[key, m1, m2...] → the number removed.</summary>
    SRem,

    /// <summary>[key]; flag Count: Number = count (≥ 0) → a set of up to count members; without: one member or null.</summary>
    SPop,

    /// <summary>[source, destination, member] → 1 if moved.</summary>
    SMove,

    /// <summary>[destination, k1, k2...] → the size of the intersection stored.</summary>
    SInterStore,

    /// <summary>[destination, k1, k2...] → the size of the union stored.</summary>
    SUnionStore,

    /// <summary>[destination, k1, k2...] → the size of the difference stored.</summary>
    SDiffStore,

    /// <summary>[key] → every member.</summary>
    SMembers = 64,

    /// <summary>[key, member] → 1 or 0.</summary>
    SIsMember,

    /// <summary>[key, m1, m2...] → 1 or 0 each.</summary>
    SMIsMember,

    /// <summary>[key] → the number of members.</summary>
    SCard,

    /// <summary>[key]; flag Count: Number = count (negative: repeats allowed).</summary>
    SRandMember,

    /// <summary>[k1, k2...] → the intersection.</summary>
    SInter,

    /// <summary>[k1, k2...], Number = limit (0: none) → the intersection's size, counted up to the limit.</summary>
    SInterCard,

    /// <summary>[k1, k2...] → the union.</summary>
    SUnion,

    /// <summary>[k1, k2...] → the members of k1 in no other.</summary>
    SDiff,

    /// <summary>See <see cref="Collections.ScanSyntax"/>.</summary>
    SScan,
}
