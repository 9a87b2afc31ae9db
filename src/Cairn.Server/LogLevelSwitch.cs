using Microsoft.Extensions.Logging;

namespace Cairn.Server;

/// <summary>The minimum log level, changeable at run time (CONFIG SET loglevel). Install it as a logging filter.</summary>
public sealed class LogLevelSwitch(LogLevel level)
{
    private volatile int _level = (int)level;

    public LogLevel Level
    {
        get => (LogLevel)_level;
        set => _level = (int)value;
    }

    public bool IsEnabled(LogLevel level) => level >= Level && level != Microsoft.Extensions.Logging.LogLevel.None;

    /// <summary>Cairn's level names (and Redis's, for CONFIG SET loglevel) to a logging level.</summary>
    public static bool TryParse(string name, out LogLevel level)
    {
        switch (name.ToLowerInvariant())
        {
            case "trace":
                level = Microsoft.Extensions.Logging.LogLevel.Trace;
                return true;
            case "debug":
                level = Microsoft.Extensions.Logging.LogLevel.Debug;
                return true;
            case "info" or "information" or "verbose" or "notice":
                level = Microsoft.Extensions.Logging.LogLevel.Information;
                return true;
            case "warn" or "warning":
                level = Microsoft.Extensions.Logging.LogLevel.Warning;
                return true;
            case "error":
                level = Microsoft.Extensions.Logging.LogLevel.Error;
                return true;
            case "nothing" or "none" or "off":
                level = Microsoft.Extensions.Logging.LogLevel.None;
                return true;
            default:
                level = Microsoft.Extensions.Logging.LogLevel.Information;
                return false;
        }
    }

    /// <summary>The Redis name of a level, as CONFIG GET loglevel answers.</summary>
    public static string RedisName(LogLevel level) => level switch
    {
        <= Microsoft.Extensions.Logging.LogLevel.Debug => "debug",
        Microsoft.Extensions.Logging.LogLevel.Information => "notice",
        Microsoft.Extensions.Logging.LogLevel.Warning or Microsoft.Extensions.Logging.LogLevel.Error or Microsoft.Extensions.Logging.LogLevel.Critical => "warning",
        _ => "nothing",
    };
}
