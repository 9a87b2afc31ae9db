using Cairn.StateMachine.Collections;
using Context = Cairn.StateMachine.KvStateMachine.ApplyContext;

namespace Cairn.StateMachine;

/// <summary>
/// What the state machine needs of a family other than the core one: its op enum (names and the ops this build
/// knows), its operand rules, its writes on the apply context and its reads on a read view. A new family adds one
/// row here and its folder; nothing else dispatches on families.
/// </summary>
internal sealed record KvFamilyTable(
    Type Ops,
    Func<KvCommand, string?> Check,
    Func<Context, KvCommand, KvReply> Apply,
    Func<IReadView, KvCommand, KvReply> Answer);

internal static class KvFamilies
{
    private static readonly KvFamilyTable?[] Rows = Build();

    /// <summary>The family of a non-core op, or null (core, or a family this build does not know).</summary>
    public static KvFamilyTable? Of(KvOp op) => op.Family() == KvFamily.Core ? null : Rows[(byte)op.Family()];

    private static KvFamilyTable?[] Build()
    {
        var rows = new KvFamilyTable?[256];
        rows[(byte)KvFamily.Hashes] = new(typeof(HashOp), Hashes.HashSyntax.Check, Hashes.HashWrites.Apply, Hashes.HashReads.Answer);
        rows[(byte)KvFamily.Sets] = new(typeof(SetOp), Sets.SetSyntax.Check, Sets.SetWrites.Apply, Sets.SetReads.Answer);
        rows[(byte)KvFamily.SortedSets] = new(typeof(ZSetOp), SortedSets.ZSetSyntax.Check, SortedSets.ZSetWrites.Apply, SortedSets.ZSetReads.Answer);
        rows[(byte)KvFamily.Lists] = new(typeof(ListOp), Lists.ListSyntax.Check, Lists.ListWrites.Apply, Lists.ListReads.Answer);
        rows[(byte)KvFamily.Bits] = new(typeof(BitsOp), Bits.BitSyntax.Check, Bits.BitWrites.Apply, Bits.BitReads.Answer);
        rows[(byte)KvFamily.Blocking] = new(typeof(BlockingOp), Blocking.BlockingSyntax.Check, (ctx, c) => ctx.Blocking(c), (_, c) => KvReply.Error($"ERR '{c.Op.Name()}' is not a query"));
        rows[(byte)KvFamily.PubSub] = new(typeof(PubSubOp), PubSub.PubSubSyntax.Check, PubSub.PubSubWrites.Apply, PubSub.PubSubWrites.Answer);
        return rows;
    }
}
