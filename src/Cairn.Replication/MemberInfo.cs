using System.IO.Hashing;
using System.Text;
using Cairn.Replication.Wire;
using Cairn.StateMachine.Wire;

namespace Cairn.Replication;

/// <summary>
/// A member as the group records it: its Raft id (derived from its stable name, never from an address),
/// where its peers reach it, and where clients reach it. Replicated in the context of the membership
/// change that adds it, so every node knows every member's addresses. <see cref="Learner"/> marks a member
/// added to stay a learner (it receives the log, never votes, and is not promoted).
/// </summary>
public sealed record MemberInfo(ulong Id, string Name, string RaftAddress, string RespAddress, bool Learner = false)
{
    /// <summary>The Raft id of the node named <paramref name="name"/>: XxHash64 of the name, never 0.</summary>
    public static ulong IdOf(string name)
    {
        var id = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(name));
        return id == 0 ? 1 : id;
    }

    public byte[] Encode()
    {
        var writer = new WireWriter();
        Write(writer);
        return writer.ToArray();
    }

    /// <summary>Version 1: id, name, addresses; version 2 adds the learner flag (written only when set, so older records stay as they were).</summary>
    public void Write(WireWriter writer)
    {
        writer.U8(Learner ? (byte)2 : (byte)1);
        writer.U64(Id);
        writer.String(Name);
        writer.String(RaftAddress);
        writer.String(RespAddress);
        if (Learner)
        {
            writer.U8(1);
        }
    }

    public static MemberInfo Decode(ReadOnlySpan<byte> data)
    {
        var reader = new WireReader(data);
        return Read(ref reader);
    }

    public static MemberInfo Read(ref WireReader reader)
    {
        var version = reader.U8();
        if (version is not (1 or 2))
        {
            throw new FormatException("unknown member record version");
        }
        var member = new MemberInfo(reader.U64(), reader.String(), reader.String(), reader.String());
        return version == 2 ? member with { Learner = reader.U8() != 0 } : member;
    }
}
