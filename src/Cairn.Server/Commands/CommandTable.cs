namespace Cairn.Server.Commands;

/// <summary>
/// Every command Cairn serves, looked up case-insensitively without allocating. Adding a command:
/// see docs/commands.md ("Adding a command").
/// </summary>
internal sealed class CommandTable
{
    private const int MaxNameLength = 64;

    private readonly Dictionary<string, CommandDef> _commands;
    private readonly Dictionary<string, CommandDef>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private CommandTable(IEnumerable<CommandDef> commands)
    {
        _commands = new Dictionary<string, CommandDef>(StringComparer.OrdinalIgnoreCase);
        foreach (var command in commands)
        {
            _commands.Add(command.Name, command);
            foreach (var sub in command.Subcommands?.Values ?? Enumerable.Empty<CommandDef>())
            {
                sub.Parent = command;
            }
        }
        _lookup = _commands.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public IEnumerable<CommandDef> All => _commands.Values.OrderBy(c => c.Name, StringComparer.Ordinal);

    public int Count => _commands.Count;

    public CommandDef? Find(ReadOnlySpan<byte> name) => Find(_lookup, name);

    public static CommandDef? FindSubcommand(CommandDef container, ReadOnlySpan<byte> name) =>
        container.Subcommands is null ? null : Find(container.Subcommands.GetAlternateLookup<ReadOnlySpan<char>>(), name);

    public CommandDef? Find(string name) => _commands.GetValueOrDefault(name);

    private static CommandDef? Find(Dictionary<string, CommandDef>.AlternateLookup<ReadOnlySpan<char>> lookup, ReadOnlySpan<byte> name)
    {
        if (name.Length == 0 || name.Length > MaxNameLength)
        {
            return null;
        }
        Span<char> chars = stackalloc char[name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            chars[i] = (char)name[i];
        }
        return lookup.TryGetValue(chars, out var command) ? command : null;
    }

    public static CommandTable Create() => new([.. StringCommands.Definitions(), .. HashCommands.Definitions(), .. SetCommands.Definitions(), .. SortedSetCommands.Definitions(), .. ListCommands.Definitions(), .. BitCommands.Definitions(), .. PubSubCommands.Definitions(), .. BlockingCommands.Definitions(), .. KeyCommands.Definitions(), .. ConnectionCommands.Definitions(), .. ServerCommands.Definitions(), .. RaftCommands.Definitions()]);

    /// <summary>Subcommands keyed case-insensitively.</summary>
    public static Dictionary<string, CommandDef> Subs(params CommandDef[] subcommands) =>
        subcommands.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
}
