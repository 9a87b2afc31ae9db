using System.Collections.Immutable;

namespace Cairn.Storage;

/// <summary>
/// A volatile engine for tests: each space is an immutable sorted map swapped whole on every
/// write, so iterators see a consistent snapshot for free.
/// </summary>
public sealed class InMemoryKvEngine : IKvEngine
{
    private readonly Lock _writeLock = new();
    private ImmutableSortedDictionary<byte[], byte[]>[] _spaces;

    public InMemoryKvEngine()
    {
        var empty = ImmutableSortedDictionary.Create<byte[], byte[]>(ByteArrayComparer.Instance);
        _spaces = Enum.GetValues<KvSpace>().Select(_ => empty).ToArray();
    }

    public byte[]? Get(KvSpace space, ReadOnlySpan<byte> key) =>
        Volatile.Read(ref _spaces)[(int)space].TryGetValue(key.ToArray(), out var value) ? (byte[])value.Clone() : null;

    public IKvIterator NewIterator(KvSpace space) => new Iterator(Volatile.Read(ref _spaces)[(int)space]);

    public IWriteBatch NewBatch() => new Batch();

    public IKvSnapshot NewSnapshot() => new Snapshot(Volatile.Read(ref _spaces));

    private sealed class Snapshot(ImmutableSortedDictionary<byte[], byte[]>[] spaces) : IKvSnapshot
    {
        public byte[]? Get(KvSpace space, ReadOnlySpan<byte> key) =>
            spaces[(int)space].TryGetValue(key.ToArray(), out var value) ? (byte[])value.Clone() : null;

        public IKvIterator NewIterator(KvSpace space) => new Iterator(spaces[(int)space]);

        public void Dispose()
        {
        }
    }

    /// <summary>One file per space: key length, key, value length, value (little-endian u32 lengths).</summary>
    public void Checkpoint(string directory)
    {
        Directory.CreateDirectory(directory);
        var spaces = Volatile.Read(ref _spaces);
        for (var i = 0; i < spaces.Length; i++)
        {
            using var writer = new BinaryWriter(File.Create(Path.Combine(directory, $"space{i}.bin")));
            foreach (var (key, value) in spaces[i])
            {
                writer.Write(key.Length);
                writer.Write(key);
                writer.Write(value.Length);
                writer.Write(value);
            }
        }
    }

    public void ReplaceWith(string directory)
    {
        var empty = ImmutableSortedDictionary.Create<byte[], byte[]>(ByteArrayComparer.Instance);
        var spaces = new ImmutableSortedDictionary<byte[], byte[]>[_spaces.Length];
        for (var i = 0; i < spaces.Length; i++)
        {
            var builder = empty.ToBuilder();
            var path = Path.Combine(directory, $"space{i}.bin");
            if (File.Exists(path))
            {
                using var reader = new BinaryReader(File.OpenRead(path));
                while (reader.BaseStream.Position < reader.BaseStream.Length)
                {
                    var key = reader.ReadBytes(reader.ReadInt32());
                    builder[key] = reader.ReadBytes(reader.ReadInt32());
                }
            }
            spaces[i] = builder.ToImmutable();
        }
        lock (_writeLock)
        {
            Volatile.Write(ref _spaces, spaces);
        }
        Directory.Delete(directory, recursive: true);
    }

    public void Write(IWriteBatch batch, bool sync)
    {
        var ops = ((Batch)batch).Ops;
        lock (_writeLock)
        {
            var builders = _spaces.Select(s => s.ToBuilder()).ToArray();
            foreach (var op in ops)
            {
                var map = builders[(int)op.Space];
                switch (op.Kind)
                {
                    case OpKind.Put:
                        map[op.Key] = op.Value!;
                        break;
                    case OpKind.Delete:
                        map.Remove(op.Key);
                        break;
                    case OpKind.DeleteRange:
                        foreach (var key in map.Keys.Where(k => ByteArrayComparer.Instance.Compare(k, op.Key) >= 0
                                     && ByteArrayComparer.Instance.Compare(k, op.Value!) < 0).ToList())
                        {
                            map.Remove(key);
                        }
                        break;
                }
            }
            Volatile.Write(ref _spaces, builders.Select(b => b.ToImmutable()).ToArray());
        }
    }

    public IReadOnlyList<KeyValuePair<string, string>> GetStats() =>
        [new("engine", "memory"), new("keys", Volatile.Read(ref _spaces)[0].Count.ToString())];

    public void Dispose()
    {
    }

    private enum OpKind : byte { Put, Delete, DeleteRange }

    private readonly record struct Op(OpKind Kind, KvSpace Space, byte[] Key, byte[]? Value);

    private sealed class Batch : IWriteBatch
    {
        public readonly List<Op> Ops = [];

        public int Count => Ops.Count;

        public void Put(KvSpace space, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
            Ops.Add(new Op(OpKind.Put, space, key.ToArray(), value.ToArray()));

        public void Delete(KvSpace space, ReadOnlySpan<byte> key) => Ops.Add(new Op(OpKind.Delete, space, key.ToArray(), null));

        public void DeleteRange(KvSpace space, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to) =>
            Ops.Add(new Op(OpKind.DeleteRange, space, from.ToArray(), to.ToArray()));

        public void Clear() => Ops.Clear();

        public void Dispose()
        {
        }
    }

    private sealed class Iterator(ImmutableSortedDictionary<byte[], byte[]> map) : IKvIterator
    {
        private readonly byte[][] _keys = [.. map.Keys];
        private int _position = int.MaxValue;

        public bool Valid => _position >= 0 && _position < _keys.Length;

        public ReadOnlySpan<byte> Key => _keys[_position];

        public ReadOnlySpan<byte> Value => map[_keys[_position]];

        public void Seek(ReadOnlySpan<byte> key)
        {
            var target = key.ToArray();
            var index = Array.BinarySearch(_keys, target, ByteArrayComparer.Instance);
            _position = index >= 0 ? index : ~index;
        }

        public void SeekToFirst() => _position = 0;

        public void SeekForPrev(ReadOnlySpan<byte> key)
        {
            var index = Array.BinarySearch(_keys, key.ToArray(), ByteArrayComparer.Instance);
            _position = index >= 0 ? index : ~index - 1;
        }

        public void SeekToLast() => _position = _keys.Length - 1;

        public void Next() => _position++;

        public void Prev() => _position--;

        public void Dispose()
        {
        }
    }
}
