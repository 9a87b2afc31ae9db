namespace Cairn.Chaos.Checking;

/// <summary>
/// The sequential specification of one key (a register that also counts): the state is the key's value (null
/// when absent). <see cref="Step"/> says whether an operation with its observed output is possible in a state,
/// and the state after it. An unknown outcome accepts any output.
/// </summary>
public static class Model
{
    public static bool Step(string? state, Operation op, out string? next)
    {
        var known = op.Outcome == Outcome.Ok;
        next = state;
        switch (op.Kind)
        {
            case OpKind.Read:
                return !known || op.Output == state;
            case OpKind.Write:
                next = op.Input;
                return true;
            case OpKind.Delete:
                next = null;
                // Output: "1" if it existed, "0" if not.
                return !known || op.Output == (state is null ? "0" : "1");
            case OpKind.SetIfAbsent:
                if (state is null)
                {
                    next = op.Input;
                    return !known || op.Output == "OK";
                }
                return !known || op.Output is null;
            case OpKind.GetSet:
                next = op.Input;
                return !known || op.Output == state;
            case OpKind.Increment:
                if (!long.TryParse(state ?? "0", out var current))
                {
                    // INCR of a non-number fails without effect.
                    return !known || op.Output is null;
                }
                var value = current + long.Parse(op.Input!);
                next = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return !known || op.Output == next;
            default:
                return false;
        }
    }
}
