using System.Text;
using System.Text.Json;
using Cairn.Cli.Clients;
using Cairn.Resp;
using Spectre.Console;

namespace Cairn.Cli;

/// <summary>
/// What the CLI prints: tables for people (a single value as its text), JSON for scripts. Keys and values
/// that are UTF-8 print as text; other bytes print escaped as redis-cli does (table) or as "base64:..." (JSON).
/// </summary>
public sealed class Printer(OutputFormat format, TextWriter output, IAnsiConsole console)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public OutputFormat Format { get; } = format;

    public void Value(KvValue? value)
    {
        if (Format == OutputFormat.Json)
        {
            WriteJson(value is null ? null : Item(value));
        }
        else
        {
            output.WriteLine(value is null ? "(nil)" : Text(value.Value));
        }
    }

    public void Put(byte[] key, long? revision)
    {
        if (Format == OutputFormat.Json)
        {
            WriteJson(new { key = JsonText(key), revision });
        }
        else
        {
            output.WriteLine(revision is { } r ? $"OK (revision {r})" : "OK");
        }
    }

    public void Deleted(byte[] key, bool deleted)
    {
        if (Format == OutputFormat.Json)
        {
            WriteJson(new { key = JsonText(key), deleted });
        }
        else
        {
            output.WriteLine(deleted ? "(integer) 1" : "(integer) 0");
        }
    }

    public void List(KeyList page, bool withValues)
    {
        if (Format == OutputFormat.Json)
        {
            WriteJson(new { items = page.Items.Select(i => withValues ? Item(i) : new { key = JsonText(i.Key) }).ToList(), cursor = page.Cursor });
            return;
        }
        var table = new Table().AddColumn("key");
        if (withValues)
        {
            table.AddColumn("value").AddColumn("revision").AddColumn("expires");
        }
        foreach (var item in page.Items)
        {
            table.AddRow(withValues
                ? [Markup.Escape(Text(item.Key)), Markup.Escape(Text(item.Value)), item.Revision?.ToString() ?? "-", item.ExpiresAt?.ToString("u") ?? "-"]
                : [Markup.Escape(Text(item.Key))]);
        }
        console.Write(table);
        output.WriteLine(page.Cursor is null ? $"{page.Items.Count} keys" : $"{page.Items.Count} keys; more with --cursor {page.Cursor}");
    }

    public void Change(WatchChange change)
    {
        if (Format == OutputFormat.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(new { revision = change.Revision, type = change.Type, key = JsonText(change.Key), value = change.Value is null ? null : JsonText(change.Value) }));
        }
        else
        {
            output.WriteLine(change.Value is null ? $"{change.Revision} {change.Type} {Text(change.Key)}" : $"{change.Revision} {change.Type} {Text(change.Key)} {Text(change.Value)}");
        }
        output.Flush();
    }

    public void Cluster(ClusterStatus status)
    {
        if (Format == OutputFormat.Json)
        {
            WriteJson(status);
            return;
        }
        output.WriteLine($"node {status.Node} ({status.Role}), term {status.Term}, leader {status.Leader ?? "none"}, commit {status.CommitIndex}, applied {status.AppliedIndex}");
        var table = new Table().AddColumns("id", "role", "state", "raft address", "resp address", "match", "lag");
        foreach (var m in status.Members.OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            var id = m.Id == status.Leader ? m.Id + " *" : m.Id;
            table.AddRow(Markup.Escape(id), m.Role, m.State, Markup.Escape(m.RaftAddress), Markup.Escape(m.RespAddress), m.Match?.ToString() ?? "-", m.Lag?.ToString() ?? "-");
        }
        console.Write(table);
    }

    public void Health(string server, Health health)
    {
        if (Format == OutputFormat.Json)
        {
            WriteJson(new { server, health.Live, health.Ready, health.Node, health.Role, health.Leader, health.Reason });
            return;
        }
        output.WriteLine($"{server}: {(health.Ready ? "ready" : "not ready: " + health.Reason)} (node {health.Node}, {health.Role}, leader {health.Leader ?? "none"})");
    }

    public void Message(string text) => output.WriteLine(text);

    public void Reply(RespValue reply) => output.WriteLine(Format == OutputFormat.Json ? JsonSerializer.Serialize(ReplyJson(reply)) : reply.ToRedisCliText());

    private static object? ReplyJson(RespValue reply) => reply.Kind switch
    {
        RespKind.Null => null,
        RespKind.Integer => reply.Integer,
        RespKind.Array => reply.Items!.Select(ReplyJson).ToList(),
        RespKind.Error => new { error = reply.Text },
        RespKind.Bulk => JsonText(reply.Bytes!),
        _ => reply.Text,
    };

    private static object Item(KvValue value) => new
    {
        key = JsonText(value.Key),
        value = JsonText(value.Value),
        revision = value.Revision,
        expiresAt = value.ExpiresAt?.ToUnixTimeMilliseconds(),
    };

    private void WriteJson(object? value) => output.WriteLine(JsonSerializer.Serialize(value, Json));

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>UTF-8 text as is; other bytes escaped (redis-cli's quoting without the quotes).</summary>
    public static string Text(byte[] bytes)
    {
        try
        {
            var text = StrictUtf8.GetString(bytes);
            if (!text.Any(char.IsControl))
            {
                return text;
            }
        }
        catch (DecoderFallbackException)
        {
        }
        return RespValue.Quote(bytes)[1..^1];
    }

    public static string JsonText(byte[] bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return "base64:" + Convert.ToBase64String(bytes);
        }
    }
}
