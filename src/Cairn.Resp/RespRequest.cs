using System.Buffers;
using System.Text;

namespace Cairn.Resp;

/// <summary>
/// The arguments of one parsed command, reused from request to request so parsing allocates
/// nothing in the steady state. An argument is valid until the next parse into this instance
/// or until the input it was read from is advanced past, whichever comes first: callers that
/// keep an argument longer copy it (<see cref="ToArray"/>).
/// </summary>
public sealed class RespRequest
{
    private const int ArenaStart = 4096;
    private const int ArenaKeepMax = 1 << 20;

    private ReadOnlyMemory<byte>[] _args = new ReadOnlyMemory<byte>[16];
    private byte[] _arena = new byte[ArenaStart];
    private int _arenaUsed;

    public int Count { get; private set; }

    /// <summary>True when the request came as an inline (telnet-style) line rather than a multibulk.</summary>
    public bool IsInline { get; internal set; }

    public ReadOnlySpan<byte> this[int index] => _args[index].Span;

    public ReadOnlyMemory<byte> GetMemory(int index) => _args[index];

    public byte[] ToArray(int index) => _args[index].ToArray();

    public string GetString(int index) => Encoding.UTF8.GetString(_args[index].Span);

    /// <summary>True when argument <paramref name="index"/> equals <paramref name="upperAscii"/>, ignoring ASCII case.</summary>
    public bool Is(int index, ReadOnlySpan<byte> upperAscii) => Ascii.EqualsIgnoreCase(_args[index].Span, upperAscii);

    internal void Reset()
    {
        Count = 0;
        IsInline = false;
        if (_arena.Length > ArenaKeepMax)
        {
            _arena = new byte[ArenaStart];
        }
        _arenaUsed = 0;
    }

    internal void Add(ReadOnlyMemory<byte> arg)
    {
        if (Count == _args.Length)
        {
            Array.Resize(ref _args, _args.Length * 2);
        }
        _args[Count++] = arg;
    }

    /// <summary>Adds an argument that spans input segments by copying it into the arena.</summary>
    internal void Add(in ReadOnlySequence<byte> arg)
    {
        if (arg.IsSingleSegment)
        {
            Add(arg.First);
            return;
        }
        var length = checked((int)arg.Length);
        var target = Reserve(length);
        arg.CopyTo(target.Span);
        Add(target);
    }

    internal Memory<byte> Reserve(int length)
    {
        if (_arena.Length - _arenaUsed < length)
        {
            // Arguments already handed out keep the old array alive; start a fresh one.
            _arena = new byte[Math.Max(length, Math.Min(_arena.Length * 2, ArenaKeepMax))];
            _arenaUsed = 0;
        }
        var memory = _arena.AsMemory(_arenaUsed, length);
        _arenaUsed += length;
        return memory;
    }

    /// <summary>Builds a request from strings (tests and tools).</summary>
    public static RespRequest From(params string[] args)
    {
        var request = new RespRequest();
        foreach (var arg in args)
        {
            request.Add(Encoding.UTF8.GetBytes(arg));
        }
        return request;
    }
}
