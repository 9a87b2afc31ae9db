namespace Cairn.StateMachine;

/// <summary>
/// Blocking commands' ops (<see cref="KvFamily.Blocking"/>), RedisRaft's design: the blocking command is an entry; if it
/// cannot be served at once, Apply records its waiter (owner, keys, deadline in log time) in the replicated state, and
/// a later entry that adds to a key serves its waiters in the order they blocked, in the same step. The owner — the
/// node that holds the client, its incarnation, the client's token (<see cref="BlockOwner"/>) — is the first operand;
/// the node hears its client's late reply through <see cref="KvStateMachine.ClientsUnblocked"/>. A pop handed to a
/// waiter stays in flight until its owner acknowledges having written it (<see cref="Ack"/>); released before (the
/// client went, its node restarted), its elements go back where they came from, so none is lost.
/// </summary>
public enum BlockingOp : byte
{
    /// <summary>[owner, key...] BLPOP/BRPOP (Number2 = 0) and BLMPOP (Number2 = count): Number = timeout ms (0 = none), Rev = from the tail.</summary>
    ListPop = 1,

    /// <summary>[owner, key...] BZPOPMIN/BZPOPMAX (Number2 = 0) and BZMPOP (Number2 = count): Number = timeout ms, Rev = the highest.</summary>
    ZSetPop = 2,

    /// <summary>[owner, source, destination] BLMOVE/BRPOPLPUSH: Number = timeout ms, Number2 = from (bit 0: right) | to (bit 1: right).</summary>
    ListMove = 3,

    /// <summary>[owner] ends a wait: Number = 0 the client went (a pop in flight goes back), 1 as a timeout, 2 with UNBLOCKED (CLIENT UNBLOCK). → 1 if it waited.</summary>
    Unblock = 4,

    /// <summary>[] (the leader's, by its clock: the entry's time) ends every wait whose deadline has passed. → how many.</summary>
    Timeouts = 5,

    /// <summary>[owner...] the owners wrote their clients' pops: they are no longer in flight.</summary>
    Ack = 6,

    /// <summary>[node (8 bytes), incarnation (8 bytes)] the node restarted: the waits of its other incarnations end, their pops in flight go back.</summary>
    Release = 7,
}
