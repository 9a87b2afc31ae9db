using System.Text;

namespace Cairn.StateMachine;

public enum KvReplyKind : byte
{
    Ok,
    Simple,
    Error,
    Integer,
    Bulk,
    Null,
    Array,
}

/// <summary>
/// A reply computed by the state machine, independent of wire protocol: the server renders
/// it as RESP2 or RESP3, the HTTP API as JSON. Error text is Redis's, code first ("ERR ...").
/// </summary>
public readonly struct KvReply
{
    private KvReply(KvReplyKind kind, long integer = 0, ReadOnlyMemory<byte> bytes = default, string? text = null, KvReply[]? items = null)
    {
        Kind = kind;
        Integer = integer;
        Bytes = bytes;
        Text = text;
        Items = items;
    }

    public KvReplyKind Kind { get; }

    public long Integer { get; }

    public ReadOnlyMemory<byte> Bytes { get; }

    public string? Text { get; }

    public KvReply[]? Items { get; }

    public bool IsError => Kind == KvReplyKind.Error;

    public static KvReply Ok { get; } = new(KvReplyKind.Ok);

    public static KvReply Null { get; } = new(KvReplyKind.Null);

    public static KvReply EmptyBulk { get; } = new(KvReplyKind.Bulk, bytes: ReadOnlyMemory<byte>.Empty);

    public static KvReply Int(long value) => new(KvReplyKind.Integer, integer: value);

    public static KvReply Bulk(ReadOnlyMemory<byte> value) => new(KvReplyKind.Bulk, bytes: value);

    public static KvReply Bulk(string value) => new(KvReplyKind.Bulk, bytes: Encoding.UTF8.GetBytes(value));

    public static KvReply Simple(string value) => new(KvReplyKind.Simple, text: value);

    public static KvReply Error(string message) => new(KvReplyKind.Error, text: message);

    public static KvReply Array(KvReply[] items) => new(KvReplyKind.Array, items: items);

    public override string ToString() => Kind switch
    {
        KvReplyKind.Ok => "OK",
        KvReplyKind.Simple or KvReplyKind.Error => Text!,
        KvReplyKind.Integer => Integer.ToString(),
        KvReplyKind.Bulk => Encoding.UTF8.GetString(Bytes.Span),
        KvReplyKind.Null => "(nil)",
        _ => "[" + string.Join(", ", Items!.Select(i => i.ToString())) + "]",
    };
}
