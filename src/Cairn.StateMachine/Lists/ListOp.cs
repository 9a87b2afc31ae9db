namespace Cairn.StateMachine;

/// <summary>
/// The list family's ops (<see cref="KvFamily.Lists"/>; <see cref="KvOps.Of(ListOp)"/>). Writes below 64, queries
/// from 64. Elements live in the members space under their position (<see cref="Collections.MemberKeys.Position"/>),
/// the element as the value; the header's head and tail bound the positions in use, so an index is one lookup.
/// Flag <see cref="KvFlags.Rev"/> means the tail side (RPUSH, RPOP, LINSERT AFTER, LMPOP RIGHT).
/// </summary>
public enum ListOp : byte
{
    /// <summary>[key, e1, e2...]; Rev: at the tail; Xx: only onto an existing list (LPUSHX) → the new length.</summary>
    LPush = 1,

    /// <summary>[key]; Rev: from the tail; Count: Number = count (≥ 0) → an array, else one element or null.</summary>
    LPop,

    /// <summary>[key, element], Number = index → OK.</summary>
    LSet,

    /// <summary>[key, pivot, element]; Rev: after the pivot → the new length, -1 without the pivot, 0 without the key.</summary>
    LInsert,

    /// <summary>[key, element], Number = count (negative: from the tail, 0: all) → the number removed.</summary>
    LRem,

    /// <summary>[key], Number = start, Number2 = stop → OK.</summary>
    LTrim,

    /// <summary>[source, destination], Number = from (0 head, 1 tail), Number2 = to → the element moved, or null.</summary>
    LMove,

    /// <summary>[k1, k2...], Number = count (≥ 1); Rev: from the tail → [key, [elements]] of the first non-empty list, or a null array.</summary>
    LMPop,

    /// <summary>[key] → the length.</summary>
    LLen = 64,

    /// <summary>[key], Number = index → the element or null.</summary>
    LIndex,

    /// <summary>[key], Number = start, Number2 = stop → the elements.</summary>
    LRange,

    /// <summary>
    /// [key, element, maxlen (8 bytes, little-endian, ≥ 0)], Number = rank (≠ 0; negative: from the tail);
    /// Count: Number2 = count (≥ 0, 0: all) → an array of indexes, else one index or null.
    /// </summary>
    LPos,
}
