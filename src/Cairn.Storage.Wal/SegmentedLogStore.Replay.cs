using System.Buffers.Binary;
using Cairn.Raft;

namespace Cairn.Storage.Wal;

public sealed partial class SegmentedLogStore
{
    // The oldest segment on disk when replay began: the only one whose entries may start after a gap.
    private ulong _firstSequence;

    private void Replay()
    {
        var files = Directory.GetFiles(_directory, "*.wal").Order(StringComparer.Ordinal).ToList();
        if (files.Count > 1 && !HasCommittedBatch(files[^1]))
        {
            // A crash while a new segment was being made (before its first batch was synced): the segment
            // before it is still the current one, with everything synced.
            File.Delete(files[^1]);
            files.RemoveAt(files.Count - 1);
        }
        if (files.Count == 0)
        {
            NewSegment(1, []);
            return;
        }
        for (var i = 0; i < files.Count; i++)
        {
            var last = i == files.Count - 1;
            var data = File.ReadAllBytes(files[i]);
            if (data.Length < HeaderSize || !data.AsSpan(0, 8).SequenceEqual(Magic))
            {
                if (last && data.Length < HeaderSize)
                {
                    // A segment whose header never made it to disk: start it again.
                    File.Delete(files[i]);
                    NewSegment(SequenceOf(files[i]), []);
                    return;
                }
                throw new WalCorruptException($"{files[i]} is not a Cairn log segment");
            }
            var version = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(8));
            var sequence = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(12));
            if (i == 0)
            {
                _firstSequence = sequence;
            }
            Info(sequence);
            var (committed, stopped) = ReplaySegment(sequence, version, data, files[i]);
            // After the last batch: zeros (the runway, written ahead), a torn final batch, or damage.
            if (data.AsSpan(committed).ContainsAnyExcept((byte)0) && (!last || (version >= 2 && SyncedAfter(data, committed))))
            {
                var what = $"{files[i]}: damaged record at offset {stopped}, with synced records after it (not a torn write)";
                if (!_repair)
                {
                    throw new WalCorruptException($"{what}; the node does not start on a damaged log: see docs/operations.md (\"A damaged log\") before running cairn-server --repair-wal");
                }
                _repairs.Add($"{what}: cut at offset {committed}, {data.Length - committed} bytes dropped");
                foreach (var later in files.Skip(i + 1))
                {
                    _repairs.Add($"{later}: deleted ({new FileInfo(later).Length} bytes), it followed the damage");
                    File.Delete(later);
                }
                last = true;
            }
            if (last)
            {
                CheckCompactedPrefixes();
                if (committed < data.Length)
                {
                    // Cut, so that no stale bytes lie past new appends (the runway writes its zeros again).
                    using (var file = _io.Open(files[i], FileMode.Open, FileAccess.ReadWrite))
                    {
                        RandomAccess.SetLength(file, committed);
                        _io.DataSync(file);
                    }
                }
                ReopenSegment(sequence, committed);
                return;
            }
        }
    }

    /// <summary>
    /// Applies a segment's records: from version 2 a batch at its commit record, never before; version 1 had no
    /// batches, so each record as read. Returns where the applied data ends and where reading stopped.
    /// </summary>
    private (int Committed, int Stopped) ReplaySegment(ulong sequence, uint version, byte[] data, string file)
    {
        var position = HeaderSize;
        var committed = HeaderSize;
        var staged = new List<(int Offset, int Length)>();
        while (WalRecord.TryRead(data.AsSpan(position), out var body, out var consumed))
        {
            var commit = (WalRecordType)body[0] == WalRecordType.Commit;
            if (version < 2)
            {
                if (!commit)
                {
                    Apply(sequence, body, file, position);
                }
                committed = position + consumed;
            }
            else if (commit)
            {
                foreach (var (offset, length) in staged)
                {
                    Apply(sequence, data.AsSpan(offset + WalRecord.FrameHeader, length - WalRecord.FrameHeader), file, offset);
                }
                staged.Clear();
                _batch = BinaryPrimitives.ReadUInt64LittleEndian(body[9..]);
                committed = position + consumed;
            }
            else
            {
                staged.Add((position, consumed));
            }
            position += consumed;
        }
        return (committed, position);
    }

    /// <summary>
    /// Whether a batch after the one that begins at <paramref name="from"/> reached the disk, which proves that
    /// batch was synced (a batch is written only once the one before it is): another batch's commit record, or
    /// anything but zeros after the commit record of the batch at <paramref name="from"/>.
    /// </summary>
    private static bool SyncedAfter(byte[] data, int from)
    {
        for (var at = from; at <= data.Length - WalRecord.FrameHeader - WalRecord.CommitBody; at++)
        {
            if (WalRecord.IsCommitAt(data.AsSpan(at), out _, out var start))
            {
                if (start > from)
                {
                    return true;
                }
                if (start == from && data.AsSpan(at + WalRecord.FrameHeader + WalRecord.CommitBody).ContainsAnyExcept((byte)0))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// Whether a segment holds a synced batch. A rolled segment's first batch is the small restatement of every
    /// group's metadata, so its head nearly always answers; the whole file is read only when a record runs past it.
    /// </summary>
    private static bool HasCommittedBatch(string path)
    {
        const int Head = 1 << 20;
        using var file = File.OpenHandle(path);
        var length = RandomAccess.GetLength(file);
        var data = new byte[Math.Min(length, Head)];
        RandomAccess.Read(file, data, 0);
        if (data.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(8)) < 2)
        {
            return true;
        }
        return FindsCommit(data) || (length > data.Length && FindsCommit(File.ReadAllBytes(path)));
    }

    private static bool FindsCommit(byte[] data)
    {
        var position = HeaderSize;
        while (WalRecord.TryRead(data.AsSpan(position), out var body, out var consumed))
        {
            if ((WalRecordType)body[0] == WalRecordType.Commit)
            {
                return true;
            }
            position += consumed;
        }
        return false;
    }

    private void Apply(ulong sequence, ReadOnlySpan<byte> body, string file, int offset)
    {
        var type = (WalRecordType)body[0];
        var groupId = BinaryPrimitives.ReadUInt64LittleEndian(body[1..]);
        var payload = body[9..];
        var group = Group(groupId);
        switch (type)
        {
            case WalRecordType.Entries:
                var count = BinaryPrimitives.ReadInt32LittleEndian(payload);
                var entries = new List<Entry>(count);
                var at = 4;
                for (var i = 0; i < count; i++)
                {
                    var term = BinaryPrimitives.ReadUInt64LittleEndian(payload[at..]);
                    var index = BinaryPrimitives.ReadUInt64LittleEndian(payload[(at + 8)..]);
                    var entryType = (EntryType)payload[at + 16];
                    var length = BinaryPrimitives.ReadInt32LittleEndian(payload[(at + 17)..]);
                    var data = payload.Slice(at + 21, length).ToArray();
                    at += 21 + length;
                    // Entries a later compaction covers are skipped; the rest must continue the log.
                    if (index >= group.FirstIndex())
                    {
                        entries.Add(new Entry(term, index, entryType, data));
                    }
                }
                if (entries.Count > 0)
                {
                    if (sequence == _firstSequence && group.LastIndex() < group.FirstIndex() && entries[0].Index > group.LastIndex() + 1)
                    {
                        // The segments before this one were deleted after compaction, and this segment began
                        // under an older snapshot: a later snapshot and compact record here cover the gap
                        // (CheckCompactedPrefixes makes sure) and name the term of the index before it.
                        group.StartAfter(entries[0].Index - 1);
                    }
                    else if (entries[0].Index > group.LastIndex() + 1)
                    {
                        throw new WalCorruptException($"{file}: group {groupId} jumps from {group.LastIndex()} to {entries[0].Index} at offset {offset}");
                    }
                    group.Append(entries);
                    Track(sequence, groupId, entries[^1].Index);
                }
                break;
            case WalRecordType.HardState:
                group.SetHardState(new HardState(
                    BinaryPrimitives.ReadUInt64LittleEndian(payload),
                    BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(payload[16..])));
                break;
            case WalRecordType.Conf:
                group.SetConf(WalRecord.ReadConf(payload, out _));
                break;
            case WalRecordType.Snapshot:
                var snapshotIndex = BinaryPrimitives.ReadUInt64LittleEndian(payload);
                var snapshotTerm = BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]);
                var snapshot = new Snapshot(snapshotIndex, snapshotTerm, WalRecord.ReadConf(payload[17..], out _), default);
                if (payload[16] == 1)
                {
                    group.ApplySnapshot(snapshot);
                }
                else
                {
                    group.RecordSnapshot(snapshot);
                }
                break;
            case WalRecordType.Compact:
                var compactTo = BinaryPrimitives.ReadUInt64LittleEndian(payload);
                if (compactTo >= group.FirstIndex() && compactTo <= group.LastIndex())
                {
                    group.Compact(compactTo);
                }
                else if (compactTo == group.FirstIndex() - 1 && payload.Length >= 16)
                {
                    group.SetCompactedTerm(compactTo, BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]));
                }
                break;
            case WalRecordType.Commit:
                break;
            default:
                throw new WalCorruptException($"{file}: unknown record type {(byte)type} at offset {offset}");
        }
    }

    /// <summary>Every group's missing prefix must be one a snapshot covers; otherwise a segment was lost.</summary>
    private void CheckCompactedPrefixes()
    {
        foreach (var (groupId, group) in _groups)
        {
            var compacted = group.FirstIndex() - 1;
            if (compacted > 0 && (group.Snapshot() is not { } snapshot || snapshot.Index < compacted))
            {
                throw new WalCorruptException($"group {groupId}: the log starts after {compacted} but no snapshot covers it (a segment is missing)");
            }
            if (compacted > 0 && group.Term(compacted) == 0)
            {
                throw new WalCorruptException($"group {groupId}: the log starts after {compacted} but that entry's term is not recorded (a segment is missing)");
            }
        }
    }

    private static ulong SequenceOf(string path) => Convert.ToUInt64(Path.GetFileNameWithoutExtension(path), 16);
}
