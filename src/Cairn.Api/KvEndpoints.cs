using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cairn.Replication;
using Cairn.StateMachine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cairn.Api;

/// <summary>
/// /v1/kv: one key per URL (percent-encoded, binary safe), raw bytes in and out by default, JSON with base64
/// when the client asks (Accept / Content-Type: application/json). Reads are linearizable unless ?stale=true;
/// writes to a follower are forwarded to the leader.
/// </summary>
internal static class KvEndpoints
{
    private const string KeyPrefix = "/v1/kv/";
    private const int DefaultLimit = 100;

    public static void Map(IEndpointRouteBuilder app)
    {
        var kv = app.MapGroup("/v1/kv").WithTags("kv");
        kv.MapGet("/{**key}", GetAsync).WithName("GetKey").WithSummary("Reads a key (raw bytes, or JSON with Accept: application/json)");
        kv.MapPut("/{**key}", PutAsync).WithName("PutKey").WithSummary("Stores the body as the key's value; ?ttl= seconds sets an expiry");
        kv.MapDelete("/{**key}", DeleteAsync).WithName("DeleteKey").WithSummary("Deletes a key");
        kv.MapGet("", ListAsync).WithName("ListKeys").WithSummary("Lists keys with a prefix, a page at a time");
    }

    private static async Task<IResult> GetAsync(HttpContext context, KvServiceAccessor accessor, string key)
    {
        if (Key(context) is not { } name)
        {
            return Problems.BadRequest("the key must be a non-empty, percent-encoded path segment after /v1/kv/");
        }
        var service = await accessor.Service;
        var reply = await service.ReadAsync(new KvCommand(KvOp.GetRecord, [name]), Consistency(context), context.RequestAborted);
        if (reply.IsError)
        {
            return Problems.FromReply(reply);
        }
        if (reply.Kind == KvReplyKind.Null)
        {
            return Problems.NotFound($"no such key: '{Printable(name)}'");
        }
        var value = reply.Items![0].Bytes;
        var revision = reply.Items[1].Integer;
        var expiresAt = reply.Items[2].Integer;
        context.Response.Headers["X-Cairn-Revision"] = revision.ToString(CultureInfo.InvariantCulture);
        if (expiresAt != 0)
        {
            context.Response.Headers["X-Cairn-Expires-At"] = expiresAt.ToString(CultureInfo.InvariantCulture);
        }
        return RawRequest.WantsJson(context.Request)
            ? TypedResults.Json(new KvItem(Convert.ToBase64String(name), Convert.ToBase64String(value.Span), revision, expiresAt == 0 ? null : expiresAt))
            : TypedResults.Bytes(value.ToArray(), "application/octet-stream");
    }

    private static async Task<IResult> PutAsync(HttpContext context, KvServiceAccessor accessor, ApiOptions options, string key)
    {
        if (Key(context) is not { } name)
        {
            return Problems.BadRequest("the key must be a non-empty, percent-encoded path segment after /v1/kv/");
        }
        long ttl = 0;
        if (RawRequest.Query(context, "ttl") is { } ttlText
            && (!long.TryParse(Encoding.UTF8.GetString(ttlText), NumberStyles.None, CultureInfo.InvariantCulture, out ttl) || ttl <= 0 || ttl > long.MaxValue / 1000))
        {
            return Problems.BadRequest("ttl must be a positive whole number of seconds");
        }
        var json = RawRequest.SendsJson(context.Request);
        // Base64 in JSON is 4/3 of the value, plus the envelope.
        var body = await RawRequest.ReadBodyAsync(context, json ? options.MaxValueBytes / 3 * 4 + 4096 : options.MaxValueBytes);
        if (body is null)
        {
            return Problems.TooLarge(options.MaxValueBytes);
        }
        var value = body;
        if (json)
        {
            if (DecodeJsonValue(body) is not { } decoded)
            {
                return Problems.BadRequest("a JSON body must be {\"value\": \"<base64>\"}");
            }
            if (decoded.Length > options.MaxValueBytes)
            {
                return Problems.TooLarge(options.MaxValueBytes);
            }
            value = decoded;
        }
        var flags = KvFlags.WithRevision | (ttl > 0 ? KvFlags.ExpireRelative : KvFlags.None);
        var service = await accessor.Service;
        var reply = await service.WriteAsync(new KvCommand(KvOp.Set, [name, value], number: ttl * 1000, flags: flags), context.RequestAborted);
        if (reply.IsError)
        {
            return Problems.FromReply(reply);
        }
        context.Response.Headers["X-Cairn-Revision"] = reply.Integer.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Ok(new PutResult(reply.Integer));
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, KvServiceAccessor accessor, string key)
    {
        if (Key(context) is not { } name)
        {
            return Problems.BadRequest("the key must be a non-empty, percent-encoded path segment after /v1/kv/");
        }
        var service = await accessor.Service;
        var reply = await service.WriteAsync(new KvCommand(KvOp.Del, [name], flags: KvFlags.WithRevision), context.RequestAborted);
        if (reply.IsError)
        {
            return Problems.FromReply(reply);
        }
        var deleted = reply.Items![0].Integer > 0;
        var revision = reply.Items[1].Integer;
        context.Response.Headers["X-Cairn-Revision"] = revision.ToString(CultureInfo.InvariantCulture);
        return deleted ? TypedResults.Ok(new DeleteResult(true, revision)) : Problems.NotFound($"no such key: '{Printable(name)}'");
    }

    private static async Task<IResult> ListAsync(HttpContext context, KvServiceAccessor accessor, string? prefix, int? limit, string? cursor, bool? stale)
    {
        var prefixBytes = RawRequest.Query(context, "prefix") ?? [];
        var pageSize = limit ?? DefaultLimit;
        if (pageSize is < 1 or > KvStateMachine.MaxRangeLimit)
        {
            return Problems.BadRequest($"limit must be from 1 to {KvStateMachine.MaxRangeLimit}");
        }
        byte[] after = [];
        if (!string.IsNullOrEmpty(cursor))
        {
            if (DecodeCursor(cursor) is not { } decoded)
            {
                return Problems.BadRequest("cursor is not one this API returned");
            }
            after = decoded;
        }
        var service = await accessor.Service;
        var command = new KvCommand(KvOp.Range, [prefixBytes, after], number: pageSize, flags: KvFlags.KeysOnly);
        var reply = await service.ReadAsync(command, Consistency(context), context.RequestAborted);
        if (reply.IsError)
        {
            return Problems.FromReply(reply);
        }
        var keys = reply.Items![0].Items!.Select(item => Convert.ToBase64String(item.Items![0].Bytes.Span)).ToList();
        var next = reply.Items[1].Kind == KvReplyKind.Bulk ? EncodeCursor(reply.Items[1].Bytes.Span) : null;
        return TypedResults.Ok(new KeyPage(keys, next));
    }

    private static byte[]? Key(HttpContext context) => RawRequest.PathTail(context, KeyPrefix) is { Length: > 0 } key ? key : null;

    private static ReadConsistency Consistency(HttpContext context) =>
        RawRequest.Flag(context, "stale") ? ReadConsistency.Stale : ReadConsistency.Linearizable;

    public static string EncodeCursor(ReadOnlySpan<byte> lastKey) => Base64Url.EncodeToString(lastKey);

    public static byte[]? DecodeCursor(string cursor)
    {
        try
        {
            return Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[]? DecodeJsonValue(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("value", out var value)
                && value.ValueKind == JsonValueKind.String
                && value.TryGetBytesFromBase64(out var bytes)
                ? bytes
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A key as text for an error message: UTF-8 with control bytes escaped, at most 128 characters.</summary>
    private static string Printable(byte[] key)
    {
        var text = Encoding.UTF8.GetString(key, 0, Math.Min(key.Length, 128));
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c);
        }
        return builder.ToString();
    }
}
