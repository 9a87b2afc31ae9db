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
        if (files.Count == 0)
        {
            OpenSegment(1, create: true);
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
                    OpenSegment(SequenceOf(files[i]), create: true);
                    return;
                }
                throw new WalCorruptException($"{files[i]} is not a Cairn log segment");
            }
            var sequence = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(12));
            if (i == 0)
            {
                _firstSequence = sequence;
            }
            Info(sequence);
            var position = HeaderSize;
            while (WalRecord.TryRead(data.AsSpan(position), out var body, out var consumed))
            {
                Apply(sequence, body, files[i], position);
                position += consumed;
            }
            // Zeros after the data are the runway (written ahead, never a record); anything else is damage.
            if (position < data.Length && !last && data.AsSpan(position).ContainsAnyExcept((byte)0))
            {
                throw new WalCorruptException($"{files[i]}: damaged record at offset {position} before the last segment");
            }
            if (last)
            {
                CheckCompactedPrefixes();
                OpenSegment(sequence, create: false);
                if (position < data.Length)
                {
                    // Torn tail: a write that did not finish before a crash (it was never acknowledged), or
                    // the zeros written ahead of the data. Cut, so that no stale bytes lie past new appends.
                    RandomAccess.SetLength(_file, position);
                    FileDurability.DataSync(_file);
                }
                _position = position;
                _runway = new SegmentRunway(_file, position, _segmentBytes);
            }
        }
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
