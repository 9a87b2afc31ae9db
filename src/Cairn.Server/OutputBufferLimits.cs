using System.Globalization;

namespace Cairn.Server;

/// <summary>One class's client-output-buffer-limit: a hard cap, and a soft cap that may be exceeded for a while (0 = none).</summary>
public readonly record struct OutputBufferLimit(long HardBytes, long SoftBytes, long SoftSeconds)
{
    public bool IsSet => HardBytes > 0 || SoftBytes > 0;
}

/// <summary>
/// Redis's <c>client-output-buffer-limit</c>: per client class (normal, replica, pubsub), reply bytes a client may
/// leave unread before it is disconnected, with Redis's syntax (<c>class hard soft seconds</c>, repeated) and
/// defaults (<c>normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60</c>).
/// </summary>
public sealed record OutputBufferLimits(OutputBufferLimit Normal, OutputBufferLimit Replica, OutputBufferLimit PubSub)
{
    public static OutputBufferLimits Default { get; } = new(
        new OutputBufferLimit(0, 0, 0),
        new OutputBufferLimit(256L << 20, 64L << 20, 60),
        new OutputBufferLimit(32L << 20, 8L << 20, 60));

    /// <summary>As CONFIG GET shows it (Redis names the replica class "slave" there).</summary>
    public override string ToString() => $"normal {Format(Normal)} slave {Format(Replica)} pubsub {Format(PubSub)}";

    private static string Format(OutputBufferLimit limit) =>
        string.Create(CultureInfo.InvariantCulture, $"{limit.HardBytes} {limit.SoftBytes} {limit.SoftSeconds}");

    /// <summary>These limits with the classes named in <paramref name="text"/> replaced; Redis's error text when it is malformed.</summary>
    public OutputBufferLimits With(string text, out string? error)
    {
        error = null;
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length % 4 != 0)
        {
            error = "Wrong number of arguments in buffer limit configuration.";
            return this;
        }
        var result = this;
        for (var i = 0; i < words.Length; i += 4)
        {
            var name = words[i].ToLowerInvariant();
            if (name is not ("normal" or "slave" or "replica" or "pubsub"))
            {
                error = "Invalid client class specified in buffer limit configuration.";
                return this;
            }
            if (!ServerConfig.TryParseMemory(words[i + 1], out var hard) || !ServerConfig.TryParseMemory(words[i + 2], out var soft)
                || !long.TryParse(words[i + 3], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                error = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
                return this;
            }
            var limit = new OutputBufferLimit(hard, soft, seconds);
            result = name switch
            {
                "normal" => result with { Normal = limit },
                "pubsub" => result with { PubSub = limit },
                _ => result with { Replica = limit },
            };
        }
        return result;
    }

    /// <summary>
    /// Whether a client with <paramref name="pending"/> reply bytes unsent must be disconnected: over the hard cap,
    /// or over the soft cap since <paramref name="overSoftSince"/> (Unix ms, kept by the caller, 0 = not over) for the
    /// soft time or longer, as Redis's checkClientOutputBufferLimits.
    /// </summary>
    public static bool Exceeded(OutputBufferLimit limit, long pending, long now, ref long overSoftSince)
    {
        if (limit.HardBytes > 0 && pending >= limit.HardBytes)
        {
            return true;
        }
        if (limit.SoftBytes > 0 && pending >= limit.SoftBytes)
        {
            if (overSoftSince == 0)
            {
                overSoftSince = now;
                return false;
            }
            return now - overSoftSince > limit.SoftSeconds * 1000;
        }
        overSoftSince = 0;
        return false;
    }
}
