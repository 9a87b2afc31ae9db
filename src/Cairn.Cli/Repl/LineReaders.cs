namespace Cairn.Cli.Repl;

public interface ILineReader
{
    /// <summary>The next line, or null at the end of input.</summary>
    string? ReadLine(string prompt);
}

/// <summary>Lines from redirected input (a script or a pipe): no prompt, no editing.</summary>
public sealed class PlainLineReader(TextReader input) : ILineReader
{
    public string? ReadLine(string prompt) => input.ReadLine();
}

/// <summary>
/// Interactive input on a terminal: <see cref="LineBuffer"/> editing, drawn with ANSI sequences, and history
/// kept across sessions in a file (~/.cairn_history, or $CAIRN_HISTFILE; last 1000 lines).
/// </summary>
public sealed class ConsoleLineReader : ILineReader
{
    private const int HistoryLimit = 1000;
    private readonly List<string> _history = [];
    private readonly string? _historyFile;

    public ConsoleLineReader(string? historyFile)
    {
        _historyFile = historyFile;
        try
        {
            if (historyFile is not null && File.Exists(historyFile))
            {
                _history.AddRange(File.ReadLines(historyFile).Where(l => l.Length > 0).TakeLast(HistoryLimit));
            }
        }
        catch (IOException)
        {
            // History is a convenience: an unreadable file means starting without it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static string? DefaultHistoryFile() =>
        Environment.GetEnvironmentVariable("CAIRN_HISTFILE") is { Length: > 0 } file ? file
        : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? Path.Combine(home, ".cairn_history")
        : null;

    public string? ReadLine(string prompt)
    {
        var buffer = new LineBuffer(_history);
        var treatControlC = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            Console.Write(prompt);
            while (true)
            {
                var action = buffer.Apply(Console.ReadKey(intercept: true));
                switch (action)
                {
                    case LineAction.Submit:
                        Console.WriteLine();
                        Remember(buffer.Text);
                        return buffer.Text;
                    case LineAction.Cancel:
                        Console.WriteLine("^C");
                        return "";
                    case LineAction.EndOfInput:
                        Console.WriteLine();
                        return null;
                    case LineAction.ClearScreen:
                        Console.Write("\x1b[H\x1b[2J");
                        break;
                }
                // Redraw the line and put the cursor back where it belongs.
                Console.Write("\r" + prompt + buffer.Text + "\x1b[K");
                var back = buffer.Text.Length - buffer.Cursor;
                if (back > 0)
                {
                    Console.Write($"\x1b[{back}D");
                }
            }
        }
        finally
        {
            Console.TreatControlCAsInput = treatControlC;
        }
    }

    private void Remember(string line)
    {
        if (line.Trim().Length == 0 || (_history.Count > 0 && _history[^1] == line))
        {
            return;
        }
        _history.Add(line);
        if (_history.Count > HistoryLimit)
        {
            _history.RemoveAt(0);
        }
        try
        {
            if (_historyFile is not null)
            {
                File.WriteAllLines(_historyFile, _history);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
