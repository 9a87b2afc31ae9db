using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Cairn.Api;

/// <summary>
/// Keys and prefixes straight from the request target, percent-decoded to bytes: routing decodes to UTF-16
/// strings, which would corrupt keys that are not UTF-8. A key is binary safe as long as the client
/// percent-encodes what is not a plain URL character.
/// </summary>
internal static class RawRequest
{
    /// <summary>The bytes after <paramref name="prefix"/> in the path, or null when the path is not under it or is malformed.</summary>
    public static byte[]? PathTail(HttpContext context, string prefix)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var query = target.IndexOf('?');
        var path = query < 0 ? target.AsSpan() : target.AsSpan(0, query);
        var at = path.IndexOf(prefix, StringComparison.Ordinal);
        return at < 0 ? null : Decode(path[(at + prefix.Length)..], plusIsSpace: false);
    }

    /// <summary>A query parameter's bytes (form decoding: '+' is a space), or null when absent or malformed.</summary>
    public static byte[]? Query(HttpContext context, string name)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        var start = target.IndexOf('?');
        if (start < 0)
        {
            return null;
        }
        foreach (var part in target[(start + 1)..].Split('&'))
        {
            var equals = part.IndexOf('=');
            var key = equals < 0 ? part : part[..equals];
            if (key == name)
            {
                return Decode(equals < 0 ? "" : part.AsSpan(equals + 1), plusIsSpace: true);
            }
        }
        return null;
    }

    public static byte[]? Decode(ReadOnlySpan<char> text, bool plusIsSpace)
    {
        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !IsHex(text[i + 1]) || !IsHex(text[i + 2]))
                {
                    return null;
                }
                bytes.Add((byte)(HexValue(text[i + 1]) << 4 | HexValue(text[i + 2])));
                i += 2;
            }
            else if (c == '+' && plusIsSpace)
            {
                bytes.Add((byte)' ');
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                Rune rune;
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && Rune.TryCreate(c, text[i + 1], out rune))
                {
                    i++;
                }
                else if (!Rune.TryCreate(c, out rune))
                {
                    return null;
                }
                var n = rune.EncodeToUtf8(utf8);
                for (var j = 0; j < n; j++)
                {
                    bytes.Add(utf8[j]);
                }
            }
        }
        return [.. bytes];
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>The whole body, or null when it is larger than <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpContext context, long limit)
    {
        var request = context.Request;
        if (request.ContentLength > limit)
        {
            return null;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)Math.Min(length, 1 << 20) : 4096);
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    public static bool WantsJson(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("application/json", StringComparison.OrdinalIgnoreCase));

    public static bool SendsJson(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);

    public static bool Flag(HttpContext context, string name) =>
        Query(context, name) is { } value && Encoding.UTF8.GetString(value) is "true" or "1" or "yes";
}
