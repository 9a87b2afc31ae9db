using System.IO.Hashing;
using System.Text;
using Cairn.Replication.Wire;

namespace Cairn.Replication;

/// <summary>
/// A member as the group records it: its Raft id (derived from its stable name, never from an address),
/// where its peers reach it, and where clients reach it. Replicated in the context of the membership
/// change that adds it, so every node knows every member's addresses.
/// </summary>
public sealed record MemberInfo(ulong Id, string Name, string RaftAddress, string RespAddress)
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

    public void Write(WireWriter writer)
    {
        writer.U8(1);
        writer.U64(Id);
        writer.String(Name);
        writer.String(RaftAddress);
        writer.String(RespAddress);
    }

    public static MemberInfo Decode(ReadOnlySpan<byte> data)
    {
        var reader = new WireReader(data);
        return Read(ref reader);
    }

    public static MemberInfo Read(ref WireReader reader)
    {
        if (reader.U8() != 1)
        {
            throw new FormatException("unknown member record version");
        }
        return new MemberInfo(reader.U64(), reader.String(), reader.String(), reader.String());
    }
}
