using System.Buffers;
using System.Buffers.Binary;
using Cairn.Raft;
using Cairn.Raft.Log;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Storage.Wal;

/// <summary>
/// <see cref="ILogStore"/> as append-only segment files ("{sequence:x16}.wal") of CRC-framed records.
/// Records are buffered and written with one fdatasync per <see cref="Sync"/>, whatever the number of
/// groups (group commit). A segment begins with a header and every group's snapshot metadata, compaction
/// point, membership and hard state, so replay needs only the segments still present; a segment is deleted
/// once every entry in it is compacted. On open, a torn tail of the last segment (a write cut short) is
/// cut at the last valid record; damage anywhere else is reported, never skipped.
/// Zeros are kept written ahead of the data (<see cref="SegmentRunway"/>), so a segment may end in up to
/// a few MB of zeros; replay treats them as the end of the data.
/// The logs are held in memory (as etcd's WAL feeds its MemoryStorage); the files are for durability.
/// Not thread-safe: one driver thread uses it.
/// </summary>
public sealed partial class SegmentedLogStore : ILogStore
{
    private static ReadOnlySpan<byte> Magic => "CAIRNWAL"u8;
    private const int HeaderSize = 20;
    private const uint Version = 1;

    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly Dictionary<ulong, MemoryStorage> _groups = [];
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);
    // Per segment: the highest entry index it holds and the compaction point its opening records state, per group.
    private readonly SortedDictionary<ulong, SegmentInfo> _segments = [];
    private SafeFileHandle _file = null!;
    private SegmentRunway _runway = null!;
    private ulong _sequence;
    private long _position;

    private SegmentedLogStore(string directory, long segmentBytes)
    {
        _directory = directory;
        _segmentBytes = segmentBytes;
    }

    public IReadOnlyCollection<ulong> Groups => _groups.Keys;

    /// <summary>Segment files on disk, oldest first (for operators and tests).</summary>
    public IReadOnlyList<string> Segments => Directory.GetFiles(_directory, "*.wal").Order(StringComparer.Ordinal).ToList();

    public long DiskBytes => new DirectoryInfo(_directory).EnumerateFiles("*.wal").Sum(f =>
    {
        try
        {
            return f.Length;
        }
        catch (FileNotFoundException)
        {
            return 0; // deleted by compaction meanwhile
        }
    });

    /// <summary>Opens (replaying) or creates the log in <paramref name="directory"/>.</summary>
    public static SegmentedLogStore Open(string directory, long segmentBytes = 64L * 1024 * 1024)
    {
        Directory.CreateDirectory(directory);
        var store = new SegmentedLogStore(directory, segmentBytes);
        store.Replay();
        return store;
    }

    public IRaftStorage Storage(ulong groupId) => Group(groupId);

    public void Append(ulong groupId, IReadOnlyList<Entry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        Group(groupId).Append(entries);
        WalRecord.WriteEntries(_pending, groupId, entries);
        Track(_sequence, groupId, entries[^1].Index);
    }

    public void SetHardState(ulong groupId, HardState state)
    {
        Group(groupId).SetHardState(state);
        WalRecord.WriteHardState(_pending, groupId, state);
    }

    public void SetConf(ulong groupId, ConfState conf)
    {
        Group(groupId).SetConf(conf);
        WalRecord.WriteConf(_pending, groupId, conf);
    }

    public void SetSnapshot(ulong groupId, Snapshot snapshot)
    {
        Group(groupId).RecordSnapshot(snapshot);
        WalRecord.WriteSnapshot(_pending, groupId, snapshot, installed: false);
    }

    public void InstallSnapshot(ulong groupId, Snapshot snapshot)
    {
        Group(groupId).ApplySnapshot(snapshot);
        WalRecord.WriteSnapshot(_pending, groupId, snapshot, installed: true);
    }

    /// <summary>fdatasync calls made (one per Sync with anything to write, plus one per new segment).</summary>
    public long SyncCount { get; private set; }

    public void Compact(ulong groupId, ulong index)
    {
        var group = Group(groupId);
        if (group.Snapshot() is not { } snapshot || snapshot.Index < index)
        {
            throw new InvalidOperationException($"compacting group {groupId} to {index} needs a snapshot covering it");
        }
        var term = group.Term(index);
        group.Compact(index);
        WalRecord.WriteCompact(_pending, groupId, index, term);
    }

    public void Sync()
    {
        WriteAndSync();
        SyncCount++;
        if (_position >= _segmentBytes)
        {
            Roll();
        }
        DeleteCompactedSegments();
    }

    public void Dispose()
    {
        _runway?.Settle();
        _file?.Dispose();
    }

    /// <summary>Writes the buffered records at the end of the data, syncs, and lets the runway top up its zeros.</summary>
    private void WriteAndSync()
    {
        if (_pending.WrittenCount > 0)
        {
            _runway.BeforeWrite(_position + _pending.WrittenCount);
            RandomAccess.Write(_file, _pending.WrittenSpan, _position);
            _position += _pending.WrittenCount;
            _pending.ResetWrittenCount();
        }
        FileDurability.DataSync(_file);
        _runway.AfterWrite(_position);
    }

    private MemoryStorage Group(ulong groupId)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            group = new MemoryStorage([]);
            _groups[groupId] = group;
        }
        return group;
    }

    private void Track(ulong sequence, ulong groupId, ulong index)
    {
        var indexes = Info(sequence).MaxIndex;
        indexes[groupId] = Math.Max(indexes.GetValueOrDefault(groupId), index);
    }

    private SegmentInfo Info(ulong sequence)
    {
        if (!_segments.TryGetValue(sequence, out var info))
        {
            _segments[sequence] = info = new SegmentInfo();
        }
        return info;
    }

    private sealed class SegmentInfo
    {
        public Dictionary<ulong, ulong> MaxIndex { get; } = [];
    }

    /// <summary>Starts a new segment that restates every group's metadata, so older segments are needed only for entries.</summary>
    private void Roll()
    {
        _runway.Settle();
        _file.Dispose();
        OpenSegment(_sequence + 1, create: true);
        foreach (var (groupId, group) in _groups)
        {
            if (group.Snapshot() is { } snapshot)
            {
                WalRecord.WriteSnapshot(_pending, groupId, snapshot, installed: false);
            }
            if (group.FirstIndex() > 1)
            {
                WalRecord.WriteCompact(_pending, groupId, group.FirstIndex() - 1, group.Term(group.FirstIndex() - 1));
            }
            WalRecord.WriteConf(_pending, groupId, group.Conf());
            WalRecord.WriteHardState(_pending, groupId, group.InitialState());
        }
        WriteAndSync();
    }

    /// <summary>
    /// Deletes the oldest segments while every entry they hold is compacted. Replay tolerates the gap this
    /// leaves before a group's first retained entry; the snapshot record that justifies it is newer, so kept.
    /// </summary>
    private void DeleteCompactedSegments()
    {
        foreach (var (sequence, info) in _segments.ToList())
        {
            if (sequence == _sequence)
            {
                return;
            }
            if (!info.MaxIndex.All(g => _groups.TryGetValue(g.Key, out var group) && g.Value < group.FirstIndex()))
            {
                return;
            }
            File.Delete(SegmentPath(sequence));
            _segments.Remove(sequence);
        }
    }

    private void OpenSegment(ulong sequence, bool create)
    {
        _sequence = sequence;
        var path = SegmentPath(sequence);
        _file = File.OpenHandle(path, create ? FileMode.CreateNew : FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        if (create)
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
            BinaryPrimitives.WriteUInt64LittleEndian(header[12..], sequence);
            RandomAccess.Write(_file, header, 0);
            _position = HeaderSize;
            _runway = new SegmentRunway(_file, HeaderSize, _segmentBytes);
            Info(sequence);
            // The directory entry of a new segment must be durable too.
            SyncDirectory();
        }
    }

    private void SyncDirectory() => FileDurability.SyncDirectory(_directory);

    private string SegmentPath(ulong sequence) => Path.Combine(_directory, $"{sequence:x16}.wal");
}
