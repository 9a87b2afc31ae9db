using System.Buffers.Binary;

namespace Cairn.Raft;

public enum ConfChangeType : byte
{
    AddVoter = 0,
    AddLearner = 1,
    RemoveNode = 2,
}

/// <summary>
/// One membership change (thesis §4.1: single-server changes). Carried in an entry of type
/// <see cref="EntryType.ConfChange"/>; takes effect when the application applies that entry and
/// calls <see cref="RawNode.ApplyConfChange"/>. <see cref="Context"/> is opaque to the core and
/// replicated with the change (the application's word on the member, e.g. its addresses).
/// </summary>
public readonly record struct ConfChange(ConfChangeType Type, ulong NodeId, byte[]? Context = null)
{
    public byte[] Encode()
    {
        var context = Context ?? [];
        var data = new byte[9 + context.Length];
        data[0] = (byte)Type;
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(1), NodeId);
        context.CopyTo(data.AsSpan(9));
        return data;
    }

    public static ConfChange Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 9 || data[0] > (byte)ConfChangeType.RemoveNode)
        {
            throw new FormatException("not a membership change entry");
        }
        var context = data.Length > 9 ? data[9..].ToArray() : null;
        return new ConfChange((ConfChangeType)data[0], BinaryPrimitives.ReadUInt64LittleEndian(data[1..]), context);
    }

    public bool Equals(ConfChange other) =>
        Type == other.Type && NodeId == other.NodeId && (Context ?? []).AsSpan().SequenceEqual(other.Context ?? []);

    public override int GetHashCode() => HashCode.Combine(Type, NodeId);
}

/// <summary>Members of a group: voters decide; learners only receive the log.</summary>
public sealed record ConfState(IReadOnlyList<ulong> Voters, IReadOnlyList<ulong> Learners)
{
    public static ConfState Of(params ulong[] voters) => new(voters, []);

    public bool IsMember(ulong id) => Voters.Contains(id) || Learners.Contains(id);
}

/// <summary>A membership change refused by the leader, with the reason.</summary>
public sealed class ConfChangeRefusedException(string reason) : Exception($"membership change refused: {reason}");
