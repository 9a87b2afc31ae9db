using System.Text;
using Cairn.Raft;

namespace Cairn.Storage.Wal.Tests;

/// <summary>
/// Damage and I/O faults under the log: a damaged record with synced batches after it is refused (and cut only
/// by an explicit repair), a torn final batch is cut; a failed write leaves the store as it was, a failed
/// fdatasync is fatal, a failed roll leaves the current segment in use.
/// </summary>
public sealed class WalFaultTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-walfault-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Entry[] Entries(ulong from, ulong to, ulong term = 1, int size = 8) =>
        Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => new Entry(term, (ulong)i, EntryType.Normal, Encoding.UTF8.GetBytes($"v{i}".PadRight(size, '.')))).ToArray();

    private static ulong LastIndex(SegmentedLogStore store) => store.Storage(1).LastIndex();

    private static int DataEnd(string segment) => File.ReadAllBytes(segment).AsSpan().LastIndexOfAnyExcept((byte)0) + 1;

    /// <summary>Ten synced batches of ten entries in one segment, and the offset where each batch begins.</summary>
    private List<int> TenBatches()
    {
        var starts = new List<int>();
        using var store = SegmentedLogStore.Open(_directory);
        var segment = store.Segments.Single();
        for (ulong b = 0; b < 10; b++)
        {
            starts.Add(DataEnd(segment));
            store.Append(1, Entries(b * 10 + 1, b * 10 + 10, size: 100));
            store.SetHardState(1, new HardState(1, 7, b * 10 + 10));
            store.Sync();
        }
        return starts;
    }

    [Fact]
    public void AFlippedByteInsideTheActiveSegmentStopsTheOpenAndRepairCutsThereSayingWhat()
    {
        var starts = TenBatches();
        var segment = Directory.GetFiles(_directory, "*.wal").Single();
        var bytes = File.ReadAllBytes(segment);
        var damaged = starts[4] + 300;
        bytes[damaged] ^= 0x40;
        File.WriteAllBytes(segment, bytes);

        // Refused: synced, acknowledged batches follow the damage (it used to be cut as a torn tail, silently).
        var error = Assert.Throws<WalCorruptException>(() => SegmentedLogStore.Open(_directory));
        Assert.Contains(segment, error.Message);
        Assert.Contains("damaged record at offset", error.Message);
        Assert.Contains("--repair-wal", error.Message);
        Assert.Equal(bytes.Length, new FileInfo(segment).Length);

        using (var repaired = SegmentedLogStore.Open(_directory, repair: true))
        {
            Assert.Equal(40UL, LastIndex(repaired));
            // Cut where batch 4 begins (the helper's offsets may fall short by the zero bytes ending a commit record).
            var cut = int.Parse(System.Text.RegularExpressions.Regex.Match(string.Join("; ", repaired.Repairs), @"cut at offset (\d+)").Groups[1].Value);
            Assert.InRange(cut, starts[4], starts[4] + 8);
            repaired.Append(1, Entries(41, 42, term: 2));
            repaired.Sync();
        }
        using var again = SegmentedLogStore.Open(_directory);
        Assert.Empty(again.Repairs);
        Assert.Equal(42UL, LastIndex(again));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ATornFinalBatchIsCutAndEverythingBeforeItKept(bool commitLanded)
    {
        var starts = TenBatches();
        var segment = Directory.GetFiles(_directory, "*.wal").Single();
        var end = DataEnd(segment);
        var bytes = File.ReadAllBytes(segment);
        // The last batch's write was cut short: a page in its middle never reached the disk, and its commit
        // record at the end either did (pages land out of order) or did not.
        Array.Clear(bytes, starts[9] + 200, 400);
        if (!commitLanded)
        {
            Array.Clear(bytes, end - 40, 40);
        }
        File.WriteAllBytes(segment, bytes);
        using var reopened = SegmentedLogStore.Open(_directory);
        Assert.Equal(90UL, LastIndex(reopened));
        Assert.Equal(90UL, reopened.Storage(1).InitialState().Commit);
        Assert.Empty(reopened.Repairs);
    }

    [Fact]
    public void AFailedWriteLeavesTheStoreAsItWasAndARetryWritesOneCopy()
    {
        var io = new FaultyIo();
        using (var store = SegmentedLogStore.Open(_directory, io: io))
        {
            store.Append(1, Entries(1, 5));
            store.Sync();
            var segment = store.Segments.Single();
            var before = DataEnd(segment);
            io.FailWrites = true;
            // A full disk for a hundred cycles, each writing the same unstable tail again: nothing piles up.
            for (var i = 0; i < 100; i++)
            {
                store.Append(1, Entries(6, 105, size: 1000));
                store.SetHardState(1, new HardState(1, 1, 5));
                Assert.Throws<IOException>(() => store.Sync());
            }
            // Each attempt wrote (half of) one copy at the same offset: the file does not grow with the attempts.
            Assert.InRange(DataEnd(segment) - before, 0, 100 * 1100);
            io.FailWrites = false;
            store.Append(1, Entries(6, 105, size: 1000));
            store.Sync();
            Assert.InRange(DataEnd(segment) - before, 100 * 1000, 2 * 100 * 1000);
        }
        using var reopened = SegmentedLogStore.Open(_directory);
        Assert.Equal(105UL, LastIndex(reopened));
    }

    [Fact]
    public void AFailedFdatasyncIsFatalNotRetried()
    {
        var io = new FaultyIo();
        using var store = SegmentedLogStore.Open(_directory, io: io);
        store.Append(1, Entries(1, 5));
        store.Sync();
        io.FailSyncs = true;
        store.Append(1, Entries(6, 10));
        var error = Assert.Throws<WalSyncFailedException>(() => store.Sync());
        Assert.IsNotAssignableFrom<IOException>(error);
        Assert.Contains("fdatasync", error.Message);
    }

    [Fact]
    public void AFailedRollKeepsTheCurrentSegmentAndTheNextSyncRollsAgain()
    {
        var io = new FaultyIo();
        using (var store = SegmentedLogStore.Open(_directory, segmentBytes: 4096, io: io))
        {
            io.FailCreates = true;
            store.Append(1, Entries(1, 10, size: 500));
            Assert.Throws<IOException>(() => store.Sync());
            Assert.Single(store.Segments);
            io.FailCreates = false;
            store.Append(1, Entries(11, 12));
            store.Sync();
            Assert.Equal(2, store.Segments.Count);
        }
        using var reopened = SegmentedLogStore.Open(_directory, segmentBytes: 4096);
        Assert.Equal(12UL, LastIndex(reopened));
    }

    [Fact]
    public void ACrashWhileANewSegmentIsMadeLeavesTheOneBeforeCurrent()
    {
        using (var store = SegmentedLogStore.Open(_directory, segmentBytes: 4096))
        {
            store.Append(1, Entries(1, 10, size: 500));
            store.Sync();
        }
        var segments = Directory.GetFiles(_directory, "*.wal").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, segments.Count);
        // The new segment's header reached the disk, its restated metadata did not.
        File.WriteAllBytes(segments[1], File.ReadAllBytes(segments[1]).AsSpan(0, 20).ToArray());
        using (var reopened = SegmentedLogStore.Open(_directory, segmentBytes: 4096))
        {
            Assert.Equal(10UL, LastIndex(reopened));
            Assert.Single(reopened.Segments);
            reopened.Append(1, Entries(11, 11));
            reopened.Sync();
        }
        using var again = SegmentedLogStore.Open(_directory, segmentBytes: 4096);
        Assert.Equal(11UL, LastIndex(again));
    }

    [Fact]
    public void TheRunwaySyncsThroughItsOwnOpenFile()
    {
        var io = new FaultyIo();
        using (var store = SegmentedLogStore.Open(_directory, io: io))
        {
            store.Append(1, Entries(1, 5));
            store.Sync();
        }
        lock (io.Synced)
        {
            Assert.True(io.Synced.Distinct().Count() >= 2, "the runway synced the driver's handle");
        }
    }
}
