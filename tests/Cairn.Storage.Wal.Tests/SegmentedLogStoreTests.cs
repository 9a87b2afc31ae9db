using System.Text;
using Cairn.Raft;

namespace Cairn.Storage.Wal.Tests;

public sealed class SegmentedLogStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-wal-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Entry[] Entries(ulong from, ulong to, ulong term, string tag = "v") =>
        Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => new Entry(term, (ulong)i, EntryType.Normal, Encoding.UTF8.GetBytes($"{tag}{i}"))).ToArray();

    private static string[] Log(ILogStore store, ulong group)
    {
        var storage = store.Storage(group);
        var entries = new List<Entry>();
        if (storage.LastIndex() >= storage.FirstIndex())
        {
            storage.Entries(storage.FirstIndex(), storage.LastIndex() + 1, long.MaxValue, entries);
        }
        return entries.Select(e => $"{e.Index}/{e.Term}/{Encoding.UTF8.GetString(e.Data.Span)}").ToArray();
    }

    [Fact]
    public void EverythingSyncedIsThereAfterReopening()
    {
        using (var store = SegmentedLogStore.Open(_directory))
        {
            store.Append(1, Entries(1, 5, 1));
            store.Append(2, Entries(1, 3, 4, "g2-"));
            store.SetHardState(1, new HardState(1, 7, 4));
            store.SetConf(1, ConfState.Of(7, 8, 9));
            store.Sync();
        }
        using var reopened = SegmentedLogStore.Open(_directory);
        Assert.Equal(new ulong[] { 1, 2 }, reopened.Groups.Order());
        Assert.Equal(Entries(1, 5, 1).Select(e => $"{e.Index}/1/v{e.Index}"), Log(reopened, 1));
        Assert.Equal(3, Log(reopened, 2).Length);
        Assert.Equal(new HardState(1, 7, 4), reopened.Storage(1).InitialState());
        Assert.Equal(new ulong[] { 7, 8, 9 }, reopened.Storage(1).Conf().Voters);
    }

    [Fact]
    public void OneSyncCoversEveryGroupsWrites()
    {
        using var store = SegmentedLogStore.Open(_directory);
        var before = store.SyncCount;
        for (ulong group = 1; group <= 50; group++)
        {
            store.Append(group, Entries(1, 10, 1));
            store.SetHardState(group, new HardState(1, 1, 10));
        }
        store.Sync();
        Assert.Equal(before + 1, store.SyncCount);
    }

    // Where the records end: the segment may go on with the zeros written ahead of them.
    private static int DataEnd(string segment) => File.ReadAllBytes(segment).AsSpan().LastIndexOfAnyExcept((byte)0) + 1;

    [Theory]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(40, false)]
    [InlineData(1, true)]
    [InlineData(40, true)]
    public void ATornTailIsCutAtTheLastCompleteRecord(int bytesLost, bool intoZeros)
    {
        string segment;
        using (var store = SegmentedLogStore.Open(_directory))
        {
            store.Append(1, Entries(1, 3, 1));
            store.Sync();
            store.Append(1, Entries(4, 6, 1));
            store.Sync();
            segment = store.Segments.Single();
        }
        // A crash mid-write: the last record is cut short, where the file ended or in the zeros ahead of it.
        var end = DataEnd(segment);
        using (var file = new FileStream(segment, FileMode.Open))
        {
            if (intoZeros)
            {
                file.Position = end - bytesLost;
                file.Write(new byte[bytesLost]);
            }
            else
            {
                file.SetLength(end - bytesLost);
            }
        }
        using (var reopened = SegmentedLogStore.Open(_directory))
        {
            Assert.Equal(3, Log(reopened, 1).Length);
            reopened.Append(1, Entries(4, 5, 2, "after"));
            reopened.Sync();
        }
        using var again = SegmentedLogStore.Open(_directory);
        Assert.Equal(["1/1/v1", "2/1/v2", "3/1/v3", "4/2/after4", "5/2/after5"], Log(again, 1));
    }

    [Fact]
    public void GarbageAfterTheLastRecordIsDropped()
    {
        string segment;
        using (var store = SegmentedLogStore.Open(_directory))
        {
            store.Append(1, Entries(1, 2, 1));
            store.Sync();
            segment = store.Segments.Single();
        }
        File.AppendAllText(segment, "garbage that is not a record");
        using var reopened = SegmentedLogStore.Open(_directory);
        Assert.Equal(2, Log(reopened, 1).Length);
    }

    [Fact]
    public void ZerosAreWrittenAheadOfTheDataAndAppendsGoIntoThem()
    {
        string segment;
        int end;
        using (var store = SegmentedLogStore.Open(_directory))
        {
            store.Append(1, Entries(1, 3, 1));
            store.Sync();
            segment = store.Segments.Single();
        } // closing waits for the zeros in flight
        end = DataEnd(segment);
        Assert.True(new FileInfo(segment).Length >= end + 1024 * 1024, $"{new FileInfo(segment).Length} bytes for {end} of data");
        using (var reopened = SegmentedLogStore.Open(_directory))
        {
            Assert.Equal(["1/1/v1", "2/1/v2", "3/1/v3"], Log(reopened, 1));
            for (ulong i = 4; i <= 200; i++)
            {
                reopened.Append(1, Entries(i, i, 1));
                reopened.Sync();
            }
        }
        using var again = SegmentedLogStore.Open(_directory);
        Assert.Equal(200, Log(again, 1).Length);
        Assert.Equal("200/1/v200", Log(again, 1)[^1]);
    }

    /// <summary>Writes entries 1–40 one sync each into 512-byte segments; returns the oldest segment's path.</summary>
    private string FortyEntriesInSmallSegments()
    {
        using (var store = SegmentedLogStore.Open(_directory, segmentBytes: 512))
        {
            for (ulong i = 1; i <= 40; i++)
            {
                store.Append(1, Entries(i, i, 1));
                store.Sync();
            }
            Assert.True(store.Segments.Count > 2);
        }
        return Directory.GetFiles(_directory, "*.wal").Order(StringComparer.Ordinal).First();
    }

    [Fact]
    public void ZerosAfterTheDataOfAnOlderSegmentAreNotDamage()
    {
        var first = FortyEntriesInSmallSegments();
        using (var file = new FileStream(first, FileMode.Append))
        {
            file.Write(new byte[4096]);
        }
        using var reopened = SegmentedLogStore.Open(_directory);
        Assert.Equal(40, Log(reopened, 1).Length);
    }

    [Fact]
    public void DamageBeforeTheLastSegmentIsReportedNotSkipped()
    {
        var first = FortyEntriesInSmallSegments();
        var bytes = File.ReadAllBytes(first);
        bytes[40] ^= 0xFF;
        File.WriteAllBytes(first, bytes);
        var error = Assert.Throws<WalCorruptException>(() => SegmentedLogStore.Open(_directory));
        Assert.Contains("damaged record", error.Message);
    }

    [Fact]
    public void AConflictingSuffixIsReplacedDurably()
    {
        using (var store = SegmentedLogStore.Open(_directory))
        {
            store.Append(1, Entries(1, 10, 1));
            store.Sync();
            store.Append(1, Entries(6, 8, 2, "new"));
            store.Sync();
            Assert.Equal(8ul, store.Storage(1).LastIndex());
        }
        using var reopened = SegmentedLogStore.Open(_directory);
        var log = Log(reopened, 1);
        Assert.Equal(8, log.Length);
        Assert.Equal("5/1/v5", log[4]);
        Assert.Equal("6/2/new6", log[5]);
    }

    [Fact]
    public void CompactionDeletesSegmentsAndReplayStartsFromWhatRemains()
    {
        using (var store = SegmentedLogStore.Open(_directory, segmentBytes: 1024))
        {
            for (ulong i = 1; i <= 200; i++)
            {
                store.Append(1, Entries(i, i, 3));
                store.SetHardState(1, new HardState(3, 1, i));
                store.Sync();
            }
            var before = store.Segments.Count;
            Assert.True(before > 10);
            store.SetConf(1, ConfState.Of(1, 2, 3));
            store.SetSnapshot(1, new Snapshot(180, 3, ConfState.Of(1, 2, 3), default));
            store.Compact(1, 180);
            store.Sync();
            // One more segment roll restates the metadata, after which the old ones are all compacted.
            for (ulong i = 201; i <= 230; i++)
            {
                store.Append(1, Entries(i, i, 3));
                store.Sync();
            }
            Assert.True(store.Segments.Count < before / 2, $"{store.Segments.Count} segments left of {before}");
        }
        using var reopened = SegmentedLogStore.Open(_directory, segmentBytes: 1024);
        var storage = reopened.Storage(1);
        Assert.Equal(181ul, storage.FirstIndex());
        Assert.Equal(230ul, storage.LastIndex());
        Assert.Equal(3ul, storage.Term(180));
        Assert.Equal(180ul, storage.Snapshot()!.Index);
        Assert.Equal(200ul, storage.InitialState().Commit);
        Assert.Equal(new ulong[] { 1, 2, 3 }, storage.Conf().Voters);
    }

    [Fact]
    public void RepeatedSnapshotsThatKeepATailReplayWhicheverSegmentsRemain()
    {
        // As a node runs: a snapshot every 20 entries, compacting all but the last 10. A segment that rolled
        // under an older snapshot then holds entries that start after a gap a newer snapshot (later in it) covers.
        for (ulong stop = 200; stop <= 260; stop += 7)
        {
            var directory = Path.Combine(_directory, $"stop{stop}");
            using (var store = SegmentedLogStore.Open(directory, segmentBytes: 700))
            {
                store.SetConf(1, ConfState.Of(1));
                for (ulong i = 1; i <= stop; i++)
                {
                    store.Append(1, Entries(i, i, 2));
                    store.SetHardState(1, new HardState(2, 1, i));
                    if (i % 20 == 0)
                    {
                        store.SetSnapshot(1, new Snapshot(i, 2, ConfState.Of(1), default));
                        store.Compact(1, i - 10);
                    }
                    store.Sync();
                }
            }
            using var reopened = SegmentedLogStore.Open(directory, segmentBytes: 700);
            var storage = reopened.Storage(1);
            var snapshot = stop / 20 * 20;
            Assert.Equal(snapshot, storage.Snapshot()!.Index);
            Assert.Equal(snapshot - 10 + 1, storage.FirstIndex());
            Assert.Equal(2ul, storage.Term(storage.FirstIndex() - 1));
            Assert.Equal(stop, storage.LastIndex());
            Assert.Equal($"{stop}/2/v{stop}", Log(reopened, 1)[^1]);
        }
    }

    [Fact]
    public void AnInstalledSnapshotRestartsTheLog()
    {
        using (var store = SegmentedLogStore.Open(_directory))
        {
            store.Append(1, Entries(1, 10, 1));
            store.InstallSnapshot(1, new Snapshot(8, 2, ConfState.Of(1, 2), default));
            store.Append(1, Entries(9, 9, 2, "fresh"));
            store.Sync();
        }
        using var reopened = SegmentedLogStore.Open(_directory);
        Assert.Equal(["9/2/fresh9"], Log(reopened, 1));
        Assert.Equal(2ul, reopened.Storage(1).Term(8));
        Assert.Equal(new ulong[] { 1, 2 }, reopened.Storage(1).Conf().Voters);
    }

    [Theory]
    [InlineData(0, "no snapshot covers it")]
    [InlineData(2, "jumps from")]
    public void AMissingSegmentIsReportedNotPapered(int which, string message)
    {
        using (var store = SegmentedLogStore.Open(_directory, segmentBytes: 512))
        {
            for (ulong i = 1; i <= 40; i++)
            {
                store.Append(1, Entries(i, i, 1));
                store.Sync();
            }
        }
        File.Delete(Directory.GetFiles(_directory, "*.wal").Order(StringComparer.Ordinal).ElementAt(which));
        var error = Assert.Throws<WalCorruptException>(() => SegmentedLogStore.Open(_directory, segmentBytes: 512));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void CompactingWithoutASnapshotIsRefused()
    {
        using var store = SegmentedLogStore.Open(_directory);
        store.Append(1, Entries(1, 5, 1));
        Assert.Throws<InvalidOperationException>(() => store.Compact(1, 3));
    }
}
