namespace Cairn.StateMachine.Wire;

/// <summary>A state-machine reply as bytes (the answer to a forwarded write; a reply a forwarding session keeps): kind, then its value.</summary>
public static class KvReplyCodec
{
    private const int MaxDepth = 8;

    public static void Write(WireWriter writer, KvReply reply)
    {
        writer.U8((byte)reply.Kind);
        switch (reply.Kind)
        {
            case KvReplyKind.Simple or KvReplyKind.Error:
                writer.String(reply.Text!);
                break;
            case KvReplyKind.Integer or KvReplyKind.Double:
                writer.I64(reply.Integer);
                break;
            case KvReplyKind.Bulk:
                writer.Bytes(reply.Bytes.Span);
                break;
            case KvReplyKind.Array or KvReplyKind.Map or KvReplyKind.Set or KvReplyKind.Pairs:
                writer.U32((uint)reply.Items!.Length);
                foreach (var item in reply.Items)
                {
                    Write(writer, item);
                }
                break;
        }
    }

    public static KvReply Read(ref WireReader reader, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw new FormatException("reply nested too deeply");
        }
        var kind = (KvReplyKind)reader.U8();
        switch (kind)
        {
            case KvReplyKind.Ok:
                return KvReply.Ok;
            case KvReplyKind.Null:
                return KvReply.Null;
            case KvReplyKind.NullArray:
                return KvReply.NullArray;
            case KvReplyKind.Double:
                return KvReply.FromDouble(BitConverter.Int64BitsToDouble(reader.I64()));
            case KvReplyKind.Simple:
                return KvReply.Simple(reader.String());
            case KvReplyKind.Error:
                return KvReply.Error(reader.String());
            case KvReplyKind.Integer:
                return KvReply.Int(reader.I64());
            case KvReplyKind.Bulk:
                return KvReply.Bulk(reader.Bytes());
            case KvReplyKind.Array or KvReplyKind.Map or KvReplyKind.Set or KvReplyKind.Pairs:
                var items = new KvReply[reader.Count(1)];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = Read(ref reader, depth + 1);
                }
                return kind switch
                {
                    KvReplyKind.Map when items.Length % 2 == 0 => KvReply.Map(items),
                    KvReplyKind.Map => throw new FormatException("a map with an odd number of items"),
                    KvReplyKind.Pairs when items.Length % 2 == 0 => KvReply.Pairs(items),
                    KvReplyKind.Pairs => throw new FormatException("pairs with an odd number of items"),
                    KvReplyKind.Set => KvReply.Set(items),
                    _ => KvReply.Array(items),
                };
            default:
                throw new FormatException($"unknown reply kind {(byte)kind}");
        }
    }
}
