using Cairn.Resp;
using Cairn.StateMachine;

namespace Cairn.Server.Commands;

/// <summary>Renders a state machine reply in the client's protocol.</summary>
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
            case KvReplyKind.Array:
                writer.WriteArrayHeader(reply.Items!.Length);
                foreach (var item in reply.Items)
                {
                    Write(writer, item);
                }
                break;
        }
    }
}
