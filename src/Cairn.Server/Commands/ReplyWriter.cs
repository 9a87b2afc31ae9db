using Cairn.Resp;
using Cairn.StateMachine;

namespace Cairn.Server.Commands;

/// <summary>Renders a state machine reply in the client's protocol: the one place RESP2 and RESP3 forms are chosen.</summary>
internal static class ReplyWriter
{
    public static void Write(RespWriter writer, in KvReply reply)
    {
        switch (reply.Kind)
        {
            case KvReplyKind.Ok:
                writer.WriteOk();
                break;
            case KvReplyKind.Simple:
                writer.WriteSimple(reply.Text!);
                break;
            case KvReplyKind.Error:
                writer.WriteError(reply.Text!);
                break;
            case KvReplyKind.Integer:
                writer.WriteInteger(reply.Integer);
                break;
            case KvReplyKind.Bulk:
                writer.WriteBulk(reply.Bytes.Span);
                break;
            case KvReplyKind.Null:
                writer.WriteNull();
                break;
            case KvReplyKind.NullArray:
                writer.WriteNullArray();
                break;
            case KvReplyKind.Double:
                writer.WriteDouble(reply.Double);
                break;
            case KvReplyKind.Pairs when writer.Protocol >= 3:
                writer.WriteArrayHeader(reply.Items!.Length / 2);
                for (var i = 0; i + 1 < reply.Items.Length; i += 2)
                {
                    writer.WriteArrayHeader(2);
                    Write(writer, reply.Items[i]);
                    Write(writer, reply.Items[i + 1]);
                }
                break;
            case KvReplyKind.Array or KvReplyKind.Map or KvReplyKind.Set or KvReplyKind.Pairs:
                if (reply.Kind == KvReplyKind.Map)
                {
                    writer.WriteMapHeader(reply.Items!.Length / 2);
                }
                else if (reply.Kind == KvReplyKind.Set)
                {
                    writer.WriteSetHeader(reply.Items!.Length);
                }
                else
                {
                    writer.WriteArrayHeader(reply.Items!.Length);
                }
                foreach (var item in reply.Items!)
                {
                    Write(writer, item);
                }
                break;
        }
    }
}
