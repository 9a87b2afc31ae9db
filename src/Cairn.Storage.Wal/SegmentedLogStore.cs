using System.Buffers;
using System.Buffers.Binary;
using Cairn.Raft;
using Cairn.Raft.Log;
using Microsoft.Win32.SafeHandles;

namespace Cairn.Storage.Wal;

/// <summary>
/// <see cref="ILogStore"/> as append-only segment files ("{sequence:x16}.wal") of CRC-framed records.
/// Records are buffered and written with one fdatasync per <see cref="Sync"/>, whatever the number of
/// groups (group commit); each such write is a batch that ends in a commit record. A segment begins with a
/// header and every group's snapshot metadata, compaction point, membership and hard state, so replay needs
/// only the segments still present; a segment is deleted once every entry in it is compacted. On open, an
/// incomplete final batch of the last segment (a write cut short by a crash, never acknowledged) is cut;
/// damage anywhere else (a bad record with a synced batch after it) stops the open with
/// <see cref="WalCorruptException"/>, unless the caller asks for repair, which cuts the log there and says so.
/// A failed write leaves the store as it was (the caller writes its records again); a failed fdatasync is
/// fatal (<see cref="WalSyncFailedException"/>); file state changes only after the I/O that backs it succeeded.
/// Zeros are kept written ahead of the data (<see cref="SegmentRunway"/>), so a segment may end in up to
/// a few MB of zeros; replay treats them as the end of the data.
/// The logs are held in memory (as etcd's WAL feeds its MemoryStorage); the files are for durability.
/// Not thread-safe: one driver thread uses it.
/// </summary>
public sealed partial class SegmentedLogStore : ILogStore
{
    private static ReadOnlySpan<byte> Magic => "CAIRNWAL"u8;
    private const int HeaderSize = 20;
    private const uint Version = 2;

    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly WalFileIo _io;
    private readonly bool _repair;
    private readonly List<string> _repairs = [];
    private readonly Dictionary<ulong, MemoryStorage> _groups = [];
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);
    // Per segment: the highest entry index it holds and the compaction point its opening records state, per group.
    private readonly SortedDictionary<ulong, SegmentInfo> _segments = [];
    private SafeFileHandle _file = null!;
    private SegmentRunway _runway = null!;
    private ulong _sequence;
    private long _position;
    // The last batch written and synced (batches are numbered across segments).
    private ulong _batch;

    private SegmentedLogStore(string directory, long segmentBytes, WalFileIo io, bool repair)
    {
        _directory = directory;
        _segmentBytes = segmentBytes;
        _io = io;
        _repair = repair;
    }

    /// <summary>What opening with repair cut from the log (empty when nothing was damaged).</summary>
    public IReadOnlyList<string> Repairs => _repairs;

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
    /// <param name="repair">Cut the log at damage instead of refusing it (<see cref="Repairs"/> says what went).</param>
    /// <exception cref="WalCorruptException">Damage that is not a torn final write, and no repair asked for.</exception>
    public static SegmentedLogStore Open(string directory, long segmentBytes = 64L * 1024 * 1024, WalFileIo? io = null, bool repair = false)
    {
        Directory.CreateDirectory(directory);
        var store = new SegmentedLogStore(directory, segmentBytes, io ?? WalFileIo.Default, repair);
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
        _runway?.Dispose();
        _file?.Dispose();
    }

    /// <summary>
    /// Writes the buffered records as one batch (with its commit record) at the end of the data, syncs, and lets
    /// the runway top up its zeros. A failed write drops the buffered records and moves nothing: the caller
    /// writes them again, at the same offset. A failed sync is fatal.
    /// </summary>
    private void WriteAndSync()
    {
        var end = _position;
        if (_pending.WrittenCount > 0)
        {
            WalRecord.WriteCommit(_pending, _batch + 1, _position);
            end = _position + _pending.WrittenCount;
            _runway.BeforeWrite(end);
            try
            {
                _io.Write(_file, _pending.WrittenSpan, _position);
            }
            finally
            {
                _pending.ResetWrittenCount();
            }
        }
        DataSync(_file, SegmentPath(_sequence));
        if (end > _position)
        {
            _position = end;
            _batch++;
        }
        _runway.AfterWrite(_position);
    }

    private void DataSync(SafeFileHandle file, string path)
    {
        try
        {
            _io.DataSync(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new WalSyncFailedException($"fdatasync of {path} failed ({ex.Message}): what reached the disk is unknown, so this process cannot write the log again; replay at the next start recovers", ex);
        }
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
        var records = new ArrayBufferWriter<byte>();
        foreach (var (groupId, group) in _groups)
        {
            if (group.Snapshot() is { } snapshot)
            {
                WalRecord.WriteSnapshot(records, groupId, snapshot, installed: false);
            }
            if (group.FirstIndex() > 1)
            {
                WalRecord.WriteCompact(records, groupId, group.FirstIndex() - 1, group.Term(group.FirstIndex() - 1));
            }
            WalRecord.WriteConf(records, groupId, group.Conf());
            WalRecord.WriteHardState(records, groupId, group.InitialState());
        }
        WalRecord.WriteCommit(records, _batch + 1, HeaderSize);
        NewSegment(_sequence + 1, records.WrittenSpan);
        _batch++;
    }

    /// <summary>
    /// Creates segment <paramref name="sequence"/> with its header and <paramref name="records"/>, synced with its
    /// directory entry, and only then makes it the current one. On failure the current segment stays current
    /// (its data is synced) and the new file is removed.
    /// </summary>
    private void NewSegment(ulong sequence, ReadOnlySpan<byte> records)
    {
        var path = SegmentPath(sequence);
        var content = new byte[HeaderSize + records.Length];
        Magic.CopyTo(content);
        BinaryPrimitives.WriteUInt32LittleEndian(content.AsSpan(8), Version);
        BinaryPrimitives.WriteUInt64LittleEndian(content.AsSpan(12), sequence);
        records.CopyTo(content.AsSpan(HeaderSize));
        SafeFileHandle? file = null;
        try
        {
            file = _io.Open(path, FileMode.Create, FileAccess.ReadWrite);
            _io.Write(file, content, 0);
            _io.DataSync(file);
            // The directory entry of a new segment must be durable too.
            _io.SyncDirectory(_directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            file?.Dispose();
            TryDelete(path);
            throw;
        }
        _runway?.Dispose();
        _file?.Dispose();
        _file = file;
        _sequence = sequence;
        _position = content.Length;
        _runway = new SegmentRunway(_io, path, _position, _segmentBytes);
        Info(sequence);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left behind: replay reads it as a torn new segment, and the next roll overwrites it.
        }
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

    /// <summary>Continues an existing segment whose valid data ends at <paramref name="end"/>.</summary>
    private void ReopenSegment(ulong sequence, long end)
    {
        var path = SegmentPath(sequence);
        _file = _io.Open(path, FileMode.Open, FileAccess.ReadWrite);
        _sequence = sequence;
        _position = end;
        _runway = new SegmentRunway(_io, path, end, _segmentBytes);
        Info(sequence);
    }

    private string SegmentPath(ulong sequence) => Path.Combine(_directory, $"{sequence:x16}.wal");
}
