using Cairn.Api.V1;
using Cairn.Replication;
using Cairn.StateMachine;
using Google.Protobuf;
using Grpc.Core;

namespace Cairn.Api.Grpc;

/// <summary>
/// cairn.v1.Kv (proto/cairn/v1/kv.proto) over the same façade as RESP and HTTP. Errors carry gRPC status codes:
/// UNAVAILABLE (no leader: retry), DEADLINE_EXCEEDED (the write's outcome is unknown), INVALID_ARGUMENT,
/// FAILED_PRECONDITION (wrong type), OUT_OF_RANGE (a watch older than the kept history), RESOURCE_EXHAUSTED (disk).
/// </summary>
internal sealed class KvGrpcService(KvServiceAccessor accessor, ApiOptions options) : Kv.KvBase
{
    private const int DefaultLimit = 100;

    public override async Task<PutResponse> Put(PutRequest request, ServerCallContext context)
    {
        RequireKey(request.Key);
        if (request.Value.Length > options.MaxValueBytes)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"the value is larger than the limit of {options.MaxValueBytes} bytes"));
        }
        if (request.TtlSeconds is < 0 or > long.MaxValue / 1000)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "ttl_seconds must be 0 (no expiry) or a positive number of seconds"));
        }
        var flags = KvFlags.WithRevision | (request.TtlSeconds > 0 ? KvFlags.ExpireRelative : KvFlags.None);
        var command = new KvCommand(KvOp.Set, [request.Key.ToByteArray(), request.Value.ToByteArray()], number: request.TtlSeconds * 1000, flags: flags);
        var reply = Check(await (await accessor.Service).WriteAsync(command, context.CancellationToken));
        return new PutResponse { Revision = reply.Integer };
    }

    public override async Task<GetResponse> Get(GetRequest request, ServerCallContext context)
    {
        RequireKey(request.Key);
        var consistency = request.Stale ? ReadConsistency.Stale : ReadConsistency.Linearizable;
        var reply = Check(await (await accessor.Service).ReadAsync(new KvCommand(KvOp.GetRecord, [request.Key.ToByteArray()]), consistency, context.CancellationToken));
        if (reply.Kind == KvReplyKind.Null)
        {
            return new GetResponse { Found = false };
        }
        return new GetResponse
        {
            Found = true,
            Kv = new KeyValue
            {
                Key = request.Key,
                Value = UnsafeByteOperations.UnsafeWrap(reply.Items![0].Bytes),
                ModRevision = reply.Items[1].Integer,
                ExpireAtMs = reply.Items[2].Integer,
            },
        };
    }

    public override async Task<DeleteResponse> Delete(DeleteRequest request, ServerCallContext context)
    {
        RequireKey(request.Key);
        var reply = Check(await (await accessor.Service).WriteAsync(new KvCommand(KvOp.Del, [request.Key.ToByteArray()], flags: KvFlags.WithRevision), context.CancellationToken));
        return new DeleteResponse { Deleted = reply.Items![0].Integer > 0, Revision = reply.Items[1].Integer };
    }

    public override async Task<RangeResponse> Range(RangeRequest request, ServerCallContext context)
    {
        var limit = request.Limit == 0 ? DefaultLimit : request.Limit;
        if (limit is < 1 or > KvStateMachine.MaxRangeLimit)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"limit must be from 1 to {KvStateMachine.MaxRangeLimit}"));
        }
        byte[] after = [];
        if (request.PageToken.Length > 0)
        {
            after = KvEndpoints.DecodeCursor(request.PageToken) ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is not one this API returned"));
        }
        var consistency = request.Stale ? ReadConsistency.Stale : ReadConsistency.Linearizable;
        var command = new KvCommand(KvOp.Range, [request.Prefix.ToByteArray(), after], number: limit, flags: request.KeysOnly ? KvFlags.KeysOnly : KvFlags.None);
        var reply = Check(await (await accessor.Service).ReadAsync(command, consistency, context.CancellationToken));
        var response = new RangeResponse();
        foreach (var item in reply.Items![0].Items!)
        {
            var kv = new KeyValue { Key = UnsafeByteOperations.UnsafeWrap(item.Items![0].Bytes) };
            if (!request.KeysOnly)
            {
                kv.Value = UnsafeByteOperations.UnsafeWrap(item.Items[1].Bytes);
                kv.ModRevision = item.Items[2].Integer;
                kv.ExpireAtMs = item.Items[3].Integer;
            }
            response.Kvs.Add(kv);
        }
        if (reply.Items[1].Kind == KvReplyKind.Bulk)
        {
            response.NextPageToken = KvEndpoints.EncodeCursor(reply.Items[1].Bytes.Span);
        }
        return response;
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        if (request.StartRevision < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "start_revision must be 0 (from now) or a revision"));
        }
        var service = await accessor.Service;
        var status = service.GetStatus();
        var start = request.StartRevision > 0 ? request.StartRevision : status.AppliedIndex + 1;
        try
        {
            if (start < status.OldestRevision)
            {
                throw new WatchCompactedException(start, status.OldestRevision);
            }
            await responseStream.WriteAsync(new WatchResponse { Created = true, Revision = start }, context.CancellationToken);
            await foreach (var batch in service.WatchAsync(request.Prefix.Memory, start, context.CancellationToken))
            {
                foreach (var revision in batch.GroupBy(e => e.Revision))
                {
                    var response = new WatchResponse { Revision = revision.Key };
                    response.Events.AddRange(revision.Select(ToEvent));
                    await responseStream.WriteAsync(response, context.CancellationToken);
                }
            }
        }
        catch (WatchCompactedException ex)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange, $"required revision has been compacted: {ex.Message}"));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away or the server is stopping.
        }
    }

    private static Event ToEvent(KvEvent change) => new()
    {
        Type = change.Kind switch
        {
            KvEventKind.Put => Event.Types.EventType.Put,
            KvEventKind.Delete => Event.Types.EventType.Delete,
            _ => Event.Types.EventType.Flush,
        },
        Kv = new KeyValue
        {
            Key = ByteString.CopyFrom(change.Key),
            Value = change.Value is null ? ByteString.Empty : ByteString.CopyFrom(change.Value),
            ModRevision = change.Revision,
            ExpireAtMs = change.ExpireAt,
        },
        ValueType = change.Kind == KvEventKind.Put ? ValueRecord.TypeName(change.Type) : "",
    };

    private static void RequireKey(ByteString key)
    {
        if (key.IsEmpty)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "key must not be empty"));
        }
    }

    /// <summary>The reply, or the RpcException its error maps to.</summary>
    private static KvReply Check(KvReply reply)
    {
        if (!reply.IsError)
        {
            return reply;
        }
        var code = ReplyErrors.Classify(reply.Text!) switch
        {
            ErrorClass.Unavailable => StatusCode.Unavailable,
            ErrorClass.UnknownOutcome => StatusCode.DeadlineExceeded,
            ErrorClass.StorageFailed => StatusCode.ResourceExhausted,
            ErrorClass.WrongType => StatusCode.FailedPrecondition,
            ErrorClass.Internal => StatusCode.Internal,
            _ => StatusCode.InvalidArgument,
        };
        throw new RpcException(new Status(code, reply.Text!));
    }
}
