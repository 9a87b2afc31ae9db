using Cairn.Resp;

namespace Cairn.Server.Commands;

/// <summary>
/// COMMAND INFO and COMMAND DOCS replies in Redis 7's shape. Argument docs come from each command's
/// syntax string: "name[:type][...]" is an argument ("..." = multiple), "TOKEN" a pure token,
/// "TOKEN name" a token with its argument, "[a|b]" an optional choice, "(a b)..." a repeated block.
/// </summary>
internal static class CommandDocs
{
    public static void WriteInfo(RespWriter w, CommandDef command)
    {
        w.WriteArrayHeader(10);
        w.WriteBulk(command.FullName);
        w.WriteInteger(command.Arity);
        var flags = FlagNames(command.Flags).ToList();
        w.WriteSetHeader(flags.Count);
        foreach (var flag in flags)
        {
            w.WriteSimple(flag);
        }
        w.WriteInteger(command.FirstKey);
        w.WriteInteger(command.LastKey);
        w.WriteInteger(command.Step);
        var categories = AclCategories(command).ToList();
        w.WriteSetHeader(categories.Count);
        foreach (var category in categories)
        {
            w.WriteSimple(category);
        }
        w.WriteSetHeader(0); // tips
        w.WriteSetHeader(0); // key specifications
        var subs = command.Subcommands?.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList() ?? [];
        // As Redis's addReplyCommandSubCommands: an empty set when there are none, an array otherwise.
        if (subs.Count == 0)
        {
            w.WriteSetHeader(0);
        }
        else
        {
            w.WriteArrayHeader(subs.Count);
        }
        foreach (var sub in subs)
        {
            WriteInfo(w, sub);
        }
    }

    public static void WriteDocs(RespWriter w, CommandDef command)
    {
        var arguments = Parse(command.Syntax);
        var subs = command.Subcommands?.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList() ?? [];
        w.WriteMapHeader(4 + (arguments.Count > 0 ? 1 : 0) + (subs.Count > 0 ? 1 : 0));
        w.WriteBulk("summary"u8);
        w.WriteBulk(command.Summary);
        w.WriteBulk("since"u8);
        w.WriteBulk(command.Since);
        w.WriteBulk("group"u8);
        w.WriteBulk(command.Group);
        w.WriteBulk("complexity"u8);
        w.WriteBulk(command.Complexity);
        if (arguments.Count > 0)
        {
            w.WriteBulk("arguments"u8);
            WriteArguments(w, arguments);
        }
        if (subs.Count > 0)
        {
            w.WriteBulk("subcommands"u8);
            w.WriteMapHeader(subs.Count);
            foreach (var sub in subs)
            {
                w.WriteBulk(sub.FullName);
                WriteDocs(w, sub);
            }
        }
    }

    internal sealed record DocArg(string Name, string Type, string? Token = null, bool Optional = false, bool Multiple = false, List<DocArg>? Children = null);

    internal static List<DocArg> Parse(string syntax)
    {
        var result = new List<DocArg>();
        foreach (var item in SplitTop(syntax, ' '))
        {
            if (item.StartsWith('['))
            {
                var multiple = item.EndsWith("...", StringComparison.Ordinal);
                var inner = item[1..item.LastIndexOf(']')];
                var alternatives = SplitTop(inner, '|').Select(ParseAlternative).ToList();
                result.Add(alternatives.Count == 1
                    ? alternatives[0] with { Optional = true, Multiple = alternatives[0].Multiple || multiple }
                    : new DocArg(string.Join('-', alternatives.Select(a => a.Name)), "oneof", Optional: true, Multiple: multiple, Children: alternatives));
            }
            else if (item.StartsWith('('))
            {
                var inner = item[1..item.LastIndexOf(')')];
                result.Add(new DocArg("data", "block", Multiple: item.EndsWith("...", StringComparison.Ordinal), Children: Parse(inner)));
            }
            else
            {
                result.Add(ParseAlternative(item));
            }
        }
        return result;
    }

    private static DocArg ParseAlternative(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (IsToken(words[0]))
        {
            var token = words[0];
            if (words.Length == 1)
            {
                return new DocArg(token.ToLowerInvariant(), "pure-token", token);
            }
            var rest = words.Skip(1).Select(ParseArgument).ToList();
            return rest.Count == 1 ? rest[0] with { Token = token } : new DocArg(token.ToLowerInvariant(), "block", token, Children: rest);
        }
        return words.Length == 1 ? ParseArgument(words[0]) : new DocArg(words[0], "block", Children: words.Select(ParseArgument).ToList());
    }

    private static DocArg ParseArgument(string word)
    {
        var multiple = word.EndsWith("...", StringComparison.Ordinal);
        if (multiple)
        {
            word = word[..^3];
        }
        var colon = word.IndexOf(':');
        var name = colon < 0 ? word : word[..colon];
        var type = colon < 0 ? (name == "key" ? "key" : "string") : word[(colon + 1)..];
        return new DocArg(name, type, Multiple: multiple);
    }

    private static bool IsToken(string word) => word.Length > 0 && word.All(ch => ch is >= 'A' and <= 'Z' or '-' or '_');

    private static List<string> SplitTop(string text, char separator)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (ch is '[' or '(')
            {
                depth++;
            }
            else if (ch is ']' or ')')
            {
                depth--;
            }
            else if (ch == separator && depth == 0)
            {
                if (i > start)
                {
                    parts.Add(text[start..i]);
                }
                start = i + 1;
            }
        }
        if (start < text.Length)
        {
            parts.Add(text[start..]);
        }
        return parts;
    }

    private static void WriteArguments(RespWriter w, List<DocArg> arguments)
    {
        w.WriteArrayHeader(arguments.Count);
        foreach (var argument in arguments)
        {
            var flags = new List<string>();
            if (argument.Optional)
            {
                flags.Add("optional");
            }
            if (argument.Multiple)
            {
                flags.Add("multiple");
            }
            var fields = 2 + (argument.Type == "key" ? 1 : 0) + (argument.Token is null ? 0 : 1) + (flags.Count > 0 ? 1 : 0) + (argument.Children is null ? 0 : 1);
            w.WriteMapHeader(fields);
            w.WriteBulk("name"u8);
            w.WriteBulk(argument.Name);
            w.WriteBulk("type"u8);
            w.WriteBulk(argument.Type);
            if (argument.Type == "key")
            {
                w.WriteBulk("key_spec_index"u8);
                w.WriteInteger(0);
            }
            if (argument.Token is not null)
            {
                w.WriteBulk("token"u8);
                w.WriteBulk(argument.Token);
            }
            if (flags.Count > 0)
            {
                w.WriteBulk("flags"u8);
                w.WriteArrayHeader(flags.Count);
                foreach (var flag in flags)
                {
                    w.WriteSimple(flag);
                }
            }
            if (argument.Children is not null)
            {
                w.WriteBulk("arguments"u8);
                WriteArguments(w, argument.Children);
            }
        }
    }

    private static IEnumerable<string> FlagNames(CommandFlags flags)
    {
        (CommandFlags Flag, string Name)[] names =
        [
            (CommandFlags.Write, "write"), (CommandFlags.ReadOnly, "readonly"), (CommandFlags.DenyOom, "denyoom"),
            (CommandFlags.Admin, "admin"), (CommandFlags.Pubsub, "pubsub"), (CommandFlags.NoScript, "noscript"), (CommandFlags.Blocking, "blocking"), (CommandFlags.Loading, "loading"),
            (CommandFlags.Stale, "stale"), (CommandFlags.Fast, "fast"), (CommandFlags.NoAuth, "no_auth"),
            (CommandFlags.AllowBusy, "allow_busy"), (CommandFlags.MovableKeys, "movablekeys"),
        ];
        return names.Where(n => (flags & n.Flag) != 0).Select(n => n.Name);
    }

    // acl.c's ACLCommandCategories: the order COMMAND INFO lists a command's categories in.
    private static readonly string[] CategoryOrder =
    [
        "@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash", "@string", "@bitmap", "@hyperloglog",
        "@geo", "@stream", "@pubsub", "@admin", "@fast", "@slow", "@blocking", "@dangerous", "@connection",
        "@transaction", "@scripting",
    ];

    private static IEnumerable<string> AclCategories(CommandDef command)
    {
        var categories = new List<string>(command.AclCategories);
        if (command.IsWrite)
        {
            categories.Add("@write");
        }
        if (command.IsReadOnly)
        {
            categories.Add("@read");
        }
        if ((command.Flags & CommandFlags.Admin) != 0)
        {
            categories.Add("@admin");
            categories.Add("@dangerous");
        }
        categories.Add((command.Flags & CommandFlags.Fast) != 0 ? "@fast" : "@slow");
        return categories.Distinct().OrderBy(c => Array.IndexOf(CategoryOrder, c) is var i and >= 0 ? i : int.MaxValue);
    }
}
