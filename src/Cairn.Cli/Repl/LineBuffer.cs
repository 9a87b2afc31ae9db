using System.Text;

namespace Cairn.Cli.Repl;

/// <summary>What a key press asks of the editor loop.</summary>
public enum LineAction
{
    Continue,
    Submit,
    Cancel,
    EndOfInput,
    ClearScreen,
}

/// <summary>
/// A line being edited, with history, in the keys of readline/linenoise (what redis-cli users know): arrows,
/// Home/End, Ctrl-A/E/B/F, Backspace/Delete, Ctrl-U/K/W, Up/Down (or Ctrl-P/N) through history, Enter,
/// Ctrl-C (drop the line), Ctrl-D (end on an empty line), Ctrl-L. No console I/O here: the caller draws.
/// </summary>
public sealed class LineBuffer(IReadOnlyList<string> history)
{
    private readonly StringBuilder _text = new();
    private int _historyIndex = history.Count;
    private string _draft = "";

    public string Text => _text.ToString();

    public int Cursor { get; private set; }

    public LineAction Apply(ConsoleKeyInfo key)
    {
        var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
        switch (key.Key)
        {
            case ConsoleKey.Enter:
                return LineAction.Submit;
            case ConsoleKey.Backspace:
                if (Cursor > 0)
                {
                    _text.Remove(--Cursor, 1);
                }
                return LineAction.Continue;
            case ConsoleKey.Delete:
                DeleteAtCursor();
                return LineAction.Continue;
            case ConsoleKey.LeftArrow:
                Cursor = Math.Max(0, Cursor - 1);
                return LineAction.Continue;
            case ConsoleKey.RightArrow:
                Cursor = Math.Min(_text.Length, Cursor + 1);
                return LineAction.Continue;
            case ConsoleKey.Home:
                Cursor = 0;
                return LineAction.Continue;
            case ConsoleKey.End:
                Cursor = _text.Length;
                return LineAction.Continue;
            case ConsoleKey.UpArrow:
                Recall(-1);
                return LineAction.Continue;
            case ConsoleKey.DownArrow:
                Recall(+1);
                return LineAction.Continue;
        }
        if (control)
        {
            switch (key.Key)
            {
                case ConsoleKey.A: Cursor = 0; break;
                case ConsoleKey.E: Cursor = _text.Length; break;
                case ConsoleKey.B: Cursor = Math.Max(0, Cursor - 1); break;
                case ConsoleKey.F: Cursor = Math.Min(_text.Length, Cursor + 1); break;
                case ConsoleKey.P: Recall(-1); break;
                case ConsoleKey.N: Recall(+1); break;
                case ConsoleKey.U:
                    _text.Remove(0, Cursor);
                    Cursor = 0;
                    break;
                case ConsoleKey.K:
                    _text.Remove(Cursor, _text.Length - Cursor);
                    break;
                case ConsoleKey.W:
                    var start = Cursor;
                    while (start > 0 && _text[start - 1] == ' ')
                    {
                        start--;
                    }
                    while (start > 0 && _text[start - 1] != ' ')
                    {
                        start--;
                    }
                    _text.Remove(start, Cursor - start);
                    Cursor = start;
                    break;
                case ConsoleKey.C:
                    return LineAction.Cancel;
                case ConsoleKey.D:
                    if (_text.Length == 0)
                    {
                        return LineAction.EndOfInput;
                    }
                    DeleteAtCursor();
                    break;
                case ConsoleKey.L:
                    return LineAction.ClearScreen;
            }
            return LineAction.Continue;
        }
        if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar))
        {
            _text.Insert(Cursor++, key.KeyChar);
        }
        return LineAction.Continue;
    }

    private void DeleteAtCursor()
    {
        if (Cursor < _text.Length)
        {
            _text.Remove(Cursor, 1);
        }
    }

    /// <summary>Moves through history; past the newest entry comes back to what was being typed.</summary>
    private void Recall(int step)
    {
        var target = _historyIndex + step;
        if (target < 0 || target > history.Count)
        {
            return;
        }
        if (_historyIndex == history.Count)
        {
            _draft = Text;
        }
        _historyIndex = target;
        _text.Clear().Append(target == history.Count ? _draft : history[target]);
        Cursor = _text.Length;
    }
}
