namespace Cairn.StateMachine.Collections;

/// <summary>
/// The random numbers of one log entry (SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER and, later, scripts): a
/// SplitMix64 sequence seeded by the entry's index, so every replica draws the same numbers in the same order.
/// Never <see cref="Random.Shared"/> in Apply.
/// </summary>
internal sealed class EntryRandom(long index)
{
    private ulong _state = unchecked((ulong)index * 0x9E3779B97F4A7C15UL ^ 0xD1B54A32D192ED03UL);

    public ulong Next()
    {
        unchecked
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A number in [0, bound), bound &gt; 0.</summary>
    public long NextBelow(long bound) => (long)(Next() % (ulong)bound);
}
