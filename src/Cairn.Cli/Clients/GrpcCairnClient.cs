using System.Runtime.CompilerServices;
using Cairn.Api.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Cairn.Cli.Clients;

/// <summary>The CLI over the gRPC API (docs/api-grpc.md): keys and watches; the cluster is HTTP's or RESP's.</summary>
public sealed class GrpcCairnClient : ICairnClient
{
    private readonly GrpcChannel _channel;
    private readonly Kv.KvClient _kv;
    private readonly TimeSpan _timeout;

    public GrpcCairnClient(string server, TimeSpan timeout)
    {
        var (host, port) = ServerAddress.Parse(server);
        Server = server;
        _timeout = timeout;
        _channel = GrpcChannel.ForAddress(new UriBuilder("http", host, port).Uri, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
        _kv = new Kv.KvClient(_channel);
    }

    public string Server { get; }

    private DateTime Deadline => DateTime.UtcNow + _timeout;

    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is not null)
        {
            throw new UnreachableException(Server, ex.Status.DebugException);
        }
        catch (RpcException ex)
        {
            throw new CliException(ex.Status.Detail, ex);
        }
    }

    public Task<KvValue?> GetAsync(byte[] key, bool stale, CancellationToken cancellationToken) => CallAsync(async () =>
    {
        var reply = await _kv.GetAsync(new GetRequest { Key = ByteString.CopyFrom(key), Stale = stale }, deadline: Deadline, cancellationToken: cancellationToken);
        return reply.Found
            ? new KvValue(key, reply.Kv.Value.ToByteArray(), reply.Kv.ModRevision, reply.Kv.ExpireAtMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(reply.Kv.ExpireAtMs) : null)
            : null;
    });

    public Task<long?> PutAsync(byte[] key, byte[] value, long ttlSeconds, CancellationToken cancellationToken) => CallAsync<long?>(async () =>
        (await _kv.PutAsync(new PutRequest { Key = ByteString.CopyFrom(key), Value = ByteString.CopyFrom(value), TtlSeconds = ttlSeconds }, deadline: Deadline, cancellationToken: cancellationToken)).Revision);

    public Task<bool> DeleteAsync(byte[] key, CancellationToken cancellationToken) => CallAsync(async () =>
        (await _kv.DeleteAsync(new DeleteRequest { Key = ByteString.CopyFrom(key) }, deadline: Deadline, cancellationToken: cancellationToken)).Deleted);

    public Task<KeyList> ListAsync(byte[] prefix, int limit, string? cursor, bool withValues, CancellationToken cancellationToken) => CallAsync(async () =>
    {
        var page = await _kv.RangeAsync(new RangeRequest { Prefix = ByteString.CopyFrom(prefix), Limit = limit, PageToken = cursor ?? "", KeysOnly = !withValues },
            deadline: Deadline, cancellationToken: cancellationToken);
        var items = page.Kvs.Select(kv => new KvValue(kv.Key.ToByteArray(), kv.Value.ToByteArray(), withValues ? kv.ModRevision : null,
            kv.ExpireAtMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(kv.ExpireAtMs) : null)).ToList();
        return new KeyList(items, page.NextPageToken.Length > 0 ? page.NextPageToken : null);
    });

    public async IAsyncEnumerable<WatchChange> WatchAsync(byte[] prefix, long fromRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = _kv.Watch(new WatchRequest { Prefix = ByteString.CopyFrom(prefix), StartRevision = fromRevision }, cancellationToken: cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await call.ResponseStream.MoveNext(cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable || ex.StatusCode == StatusCode.Internal && ex.Status.DebugException is not null)
            {
                throw new UnreachableException(Server, ex.Status.DebugException ?? ex);
            }
            catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
            {
                throw new CliException(ex.Status.Detail, ex);
            }
            if (!more)
            {
                yield break;
            }
            foreach (var change in call.ResponseStream.Current.Events)
            {
                var type = change.Type switch
                {
                    Event.Types.EventType.Put => "PUT",
                    Event.Types.EventType.Delete => "DELETE",
                    _ => "FLUSH",
                };
                yield return new WatchChange(change.Kv.ModRevision, type, change.Kv.Key.ToByteArray(), change.Type == Event.Types.EventType.Put ? change.Kv.Value.ToByteArray() : null);
            }
        }
    }

    private static CliException NotOverGrpc(string what) => new($"{what} is not part of the gRPC API: use --protocol resp or http");

    public Task<ClusterStatus> ClusterAsync(CancellationToken cancellationToken) => throw NotOverGrpc("the cluster view");

    public Task AddMemberAsync(string id, string raftAddress, bool stayLearner, CancellationToken cancellationToken) => throw NotOverGrpc("membership");

    public Task RemoveMemberAsync(string id, CancellationToken cancellationToken) => throw NotOverGrpc("membership");

    public Task<Health> HealthAsync(CancellationToken cancellationToken) => throw NotOverGrpc("health");

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
