using System.Globalization;
using System.Text;
using Cairn.Resp;

namespace Cairn.Server;

/// <summary>
/// The parameters CONFIG GET and CONFIG SET know, with Redis's names, value formats and error
/// texts. Parameters that only a restart can change are immutable here, as in Redis.
/// </summary>
public sealed class ServerConfig
{
    private readonly LogLevelSwitch _logLevel;
    private readonly List<Parameter> _parameters;
    private volatile RespLimits _limits;
    private volatile int _maxClients;
    private volatile OutputBufferLimits _outputLimits = OutputBufferLimits.Default;
    private int _keyspaceEvents;

    public ServerConfig(ServerOptions options, LogLevelSwitch logLevel)
    {
        Options = options;
        _logLevel = logLevel;
        _limits = new RespLimits { MaxBulkLength = options.ProtoMaxBulkLength, MaxQueryBuffer = options.ClientQueryBufferLimit };
        _maxClients = options.MaxClients;
        _keyspaceEvents = (int)(StateMachine.KeyspaceEventFlags.Parse(options.NotifyKeyspaceEvents) ?? StateMachine.KeyspaceEvents.None);
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        _parameters =
        [
            Fixed("bind", options.BindAddress.ToString()),
            Fixed("port", () => (ListeningPort != 0 ? ListeningPort : options.Port).ToString(CultureInfo.InvariantCulture)),
            Fixed("dir", dataDirectory),
            Fixed("databases", "1"),
            Fixed("appendonly", "yes"),
            Fixed("appendfsync", "always"),
            Fixed("save", ""),
            Fixed("maxmemory", "0"),
            Fixed("maxmemory-policy", "noeviction"),
            Fixed("timeout", "0"),
            Fixed("cluster-enabled", "no"),
            Fixed("replica-read-only", "yes", "slave-read-only"),
            Fixed("rocksdb-max-open-files", options.MaxOpenFiles.ToString(CultureInfo.InvariantCulture)),
            new Parameter("proto-max-bulk-len", [], () => _limits.MaxBulkLength.ToString(CultureInfo.InvariantCulture), SetProtoMaxBulkLength),
            new Parameter("client-query-buffer-limit", [], () => _limits.MaxQueryBuffer.ToString(CultureInfo.InvariantCulture), SetQueryBufferLimit),
            new Parameter("maxclients", [], () => _maxClients.ToString(CultureInfo.InvariantCulture), SetMaxClients),
            new Parameter("client-output-buffer-limit", [], () => _outputLimits.ToString(), SetOutputLimits),
            new Parameter("loglevel", [], () => LogLevelSwitch.RedisName(_logLevel.Level), SetLogLevel),
            new Parameter("notify-keyspace-events", [], () => StateMachine.KeyspaceEventFlags.Format(KeyspaceEvents), SetKeyspaceEvents),
        ];
    }

    public ServerOptions Options { get; }

    public RespLimits Limits => _limits;

    /// <summary>The port actually listened on (differs from the configured one when that was 0).</summary>
    public int ListeningPort { get; set; }

    public int MaxClients => _maxClients;

    public OutputBufferLimits OutputLimits => _outputLimits;

    public StateMachine.KeyspaceEvents KeyspaceEvents => (StateMachine.KeyspaceEvents)Volatile.Read(ref _keyspaceEvents);

    /// <summary>Raised after CONFIG SET notify-keyspace-events, with the new classes.</summary>
    public event Action<StateMachine.KeyspaceEvents>? KeyspaceEventsChanged;

    /// <summary>Name/value pairs of every parameter matching any of the glob patterns (case-insensitive), each once.</summary>
    public List<KeyValuePair<string, string>> Get(IEnumerable<string> patterns)
    {
        var result = new List<KeyValuePair<string, string>>();
        var seen = new HashSet<string>();
        foreach (var pattern in patterns)
        {
            var lowered = Encoding.UTF8.GetBytes(pattern.ToLowerInvariant());
            foreach (var parameter in _parameters)
            {
                foreach (var name in parameter.Names)
                {
                    if (StateMachine.GlobPattern.IsMatch(lowered, Encoding.UTF8.GetBytes(name)) && seen.Add(name))
                    {
                        result.Add(new(name, parameter.Read()));
                    }
                }
            }
        }
        return result;
    }

    /// <summary>Sets all pairs or none; null on success, else Redis's error text.</summary>
    public string? Set(IReadOnlyList<(string Name, string Value)> pairs)
    {
        var plan = new List<(Parameter Parameter, string Value)>();
        var names = new HashSet<Parameter>();
        foreach (var (name, value) in pairs)
        {
            var parameter = _parameters.FirstOrDefault(p => p.Names.Contains(name.ToLowerInvariant()));
            if (parameter is null)
            {
                return $"ERR Unknown option or number of arguments for CONFIG SET - '{name}'";
            }
            if (parameter.Write is null)
            {
                return $"ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config";
            }
            if (!names.Add(parameter))
            {
                return $"ERR CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter";
            }
            plan.Add((parameter, value));
        }
        var previous = plan.Select(p => p.Parameter.Read()).ToList();
        for (var i = 0; i < plan.Count; i++)
        {
            var problem = plan[i].Parameter.Write!(plan[i].Value);
            if (problem is not null)
            {
                // Roll back what was already applied, as Redis does.
                for (var j = 0; j < i; j++)
                {
                    plan[j].Parameter.Write!(previous[j]);
                }
                return $"ERR CONFIG SET failed (possibly related to argument '{plan[i].Parameter.Names[0]}') - {problem}";
            }
        }
        return null;
    }

    /// <summary>Redis's memory values: a number with an optional unit b, k, kb, m, mb, g, gb (k = 1000, kb = 1024).</summary>
    public static bool TryParseMemory(string text, out long bytes)
    {
        bytes = 0;
        var lower = text.ToLowerInvariant();
        (string Suffix, long Factor)[] units = [("gb", 1L << 30), ("mb", 1L << 20), ("kb", 1L << 10), ("g", 1_000_000_000), ("m", 1_000_000), ("k", 1000), ("b", 1)];
        long factor = 1;
        foreach (var (suffix, f) in units)
        {
            if (lower.EndsWith(suffix, StringComparison.Ordinal))
            {
                lower = lower[..^suffix.Length];
                factor = f;
                break;
            }
        }
        if (!long.TryParse(lower, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }
        try
        {
            bytes = checked(value * factor);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private string? SetProtoMaxBulkLength(string value) => SetLimit(value, bytes => _limits = _limits with { MaxBulkLength = bytes });

    /// <summary>
    /// Lowered freely; raised at most to the value the server started with, which is also what the socket layer
    /// buffers per connection while a client's commands are being answered (so the limit holds at all times).
    /// </summary>
    private string? SetQueryBufferLimit(string value) =>
        TryParseMemory(value, out var bytes) && bytes > Options.ClientQueryBufferLimit
            ? $"argument must be at most {Options.ClientQueryBufferLimit}, the limit the server started with (raise [limits] client_query_buffer_limit and restart)"
            : SetLimit(value, bytes => _limits = _limits with { MaxQueryBuffer = bytes });

    /// <summary>Parses a memory value of at least 1 MB (Redis's floor for both limits) and applies it.</summary>
    private static string? SetLimit(string value, Action<long> apply)
    {
        if (!TryParseMemory(value, out var bytes))
        {
            return "argument must be a memory value";
        }
        if (bytes < 1024 * 1024)
        {
            return "argument must be between 1048576 and 9223372036854775807 inclusive";
        }
        apply(bytes);
        return null;
    }

    private string? SetOutputLimits(string value)
    {
        var limits = _outputLimits.With(value, out var error);
        if (error is null)
        {
            _outputLimits = limits;
        }
        return error;
    }

    private string? SetKeyspaceEvents(string value)
    {
        if (StateMachine.KeyspaceEventFlags.Parse(value) is not { } flags)
        {
            return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        }
        Volatile.Write(ref _keyspaceEvents, (int)flags);
        KeyspaceEventsChanged?.Invoke(flags);
        return null;
    }

    private string? SetMaxClients(string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return "argument couldn't be parsed into an integer";
        }
        if (count < 1)
        {
            return "argument must be between 1 and 4294967295 inclusive";
        }
        _maxClients = count;
        return null;
    }

    private string? SetLogLevel(string value)
    {
        if (!LogLevelSwitch.TryParse(value, out var level))
        {
            return "argument(s) must be one of the following: debug, verbose, notice, warning, nothing";
        }
        _logLevel.Level = level;
        return null;
    }

    private static Parameter Fixed(string name, string value, params string[] aliases) => new(name, aliases, () => value, null);

    private static Parameter Fixed(string name, Func<string> value) => new(name, [], value, null);

    private sealed class Parameter(string name, string[] aliases, Func<string> read, Func<string, string?>? write)
    {
        public string[] Names { get; } = [name, .. aliases];

        public Func<string> Read { get; } = read;

        /// <summary>Applies a value; returns null or the reason it was refused.</summary>
        public Func<string, string?>? Write { get; } = write;
    }
}
