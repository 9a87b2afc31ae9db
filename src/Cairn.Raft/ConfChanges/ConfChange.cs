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
/// calls <see cref="RawNode.ApplyConfChange"/>.
/// </summary>
public readonly record struct ConfChange(ConfChangeType Type, ulong NodeId)
{
    public byte[] Encode()
    {
        var data = new byte[9];
        data[0] = (byte)Type;
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(1), NodeId);
        return data;
    }

    public static ConfChange Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length != 9 || data[0] > (byte)ConfChangeType.RemoveNode)
        {
            throw new FormatException("not a membership change entry");
        }
        return new ConfChange((ConfChangeType)data[0], BinaryPrimitives.ReadUInt64LittleEndian(data[1..]));
    }
}

/// <summary>Members of a group: voters decide; learners only receive the log.</summary>
public sealed record ConfState(IReadOnlyList<ulong> Voters, IReadOnlyList<ulong> Learners)
{
    public static ConfState Of(params ulong[] voters) => new(voters, []);

    public bool IsMember(ulong id) => Voters.Contains(id) || Learners.Contains(id);
}

/// <summary>A membership change refused by the leader, with the reason.</summary>
public sealed class ConfChangeRefusedException(string reason) : Exception($"membership change refused: {reason}");
