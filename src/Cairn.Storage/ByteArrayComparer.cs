namespace Cairn.Storage;

/// <summary>Unsigned lexicographic order and content equality for byte arrays.</summary>
public sealed class ByteArrayComparer : IComparer<byte[]>, IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ByteArrayComparer Instance = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

    public int GetHashCode(ReadOnlySpan<byte> span)
    {
        var hash = new HashCode();
        hash.AddBytes(span);
        return hash.ToHashCode();
    }

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
