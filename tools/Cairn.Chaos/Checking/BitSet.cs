namespace Cairn.Chaos.Checking;

/// <summary>A fixed-size set of operation indexes with value equality (a cache key of the search).</summary>
internal sealed class BitSet : IEquatable<BitSet>
{
    private readonly ulong[] _words;
    private int _hash;

    public BitSet(int size) => _words = new ulong[(size + 63) / 64];

    private BitSet(ulong[] words) => _words = words;

    public int Count { get; private init; }

    public BitSet With(int index)
    {
        var words = (ulong[])_words.Clone();
        words[index >> 6] |= 1UL << (index & 63);
        return new BitSet(words) { Count = Count + 1 };
    }

    public BitSet Without(int index)
    {
        var words = (ulong[])_words.Clone();
        words[index >> 6] &= ~(1UL << (index & 63));
        return new BitSet(words) { Count = Count - 1 };
    }

    public bool Contains(int index) => (_words[index >> 6] & (1UL << (index & 63))) != 0;

    public bool Equals(BitSet? other) => other is not null && _words.AsSpan().SequenceEqual(other._words);

    public override bool Equals(object? obj) => obj is BitSet other && Equals(other);

    public override int GetHashCode()
    {
        if (_hash == 0)
        {
            var hash = new HashCode();
            foreach (var word in _words)
            {
                hash.Add(word);
            }
            _hash = hash.ToHashCode() | 1;
        }
        return _hash;
    }
}
