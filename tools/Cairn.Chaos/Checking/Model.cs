namespace Cairn.Chaos.Checking;

/// <summary>
/// The sequential specification of one key (a register that also counts): the state is the key's value (null
/// when absent). <see cref="Step"/> says whether an operation with its observed output is possible in a state,
/// and the state after it. An unknown outcome accepts any output.
/// <para>Two further states stand for a value not known: <see cref="Any"/> (any value, or absent) and
/// <see cref="Some"/> (present, any value). A checked history starting in <see cref="Any"/> is a window cut
/// out of a longer one; outputs seen in these states make them concrete. Where an operation could lead to
/// several states the model over-approximates to one of these, so "not linearizable" stays a sound claim.</para>
/// </summary>
public static class Model
{
    public const string Any = "\u0000any";
    public const string Some = "\u0000some";

    public static bool IsUnknownValue(string? state) => state is Any or Some;

    public static bool Step(string? state, Operation op, out string? next)
    {
        var known = op.Outcome == Outcome.Ok;
        next = state;
        switch (op.Kind)
        {
            case OpKind.Read:
                if (known && IsUnknownValue(state))
                {
                    next = op.Output;
                    return state == Any || op.Output is not null;
                }
                return !known || op.Output == state;
            case OpKind.Write:
                next = op.Input;
                return true;
            case OpKind.Delete:
                next = null;
                // Output: "1" if it existed, "0" if not.
                return !known || state switch
                {
                    Any => true,
                    Some => op.Output == "1",
                    _ => op.Output == (state is null ? "0" : "1"),
                };
            case OpKind.SetIfAbsent:
                if (state == Any)
                {
                    // Absent: it sets; present: it does not. Unknown: either, so anything may follow.
                    next = !known ? Any : op.Output == "OK" ? op.Input : Some;
                    return true;
                }
                if (state is null)
                {
                    next = op.Input;
                    return !known || op.Output == "OK";
                }
                return !known || op.Output is null;
            case OpKind.GetSet:
                next = op.Input;
                return !known || (IsUnknownValue(state) ? state == Any || op.Output is not null : op.Output == state);
            case OpKind.Increment:
                return Increment(state, op, known, out next);
            default:
                return false;
        }
    }

    private static bool Increment(string? state, Operation op, bool known, out string? next)
    {
        next = state;
        if (IsUnknownValue(state))
        {
            // The output, when known, is the new value (nil: the value was not a number and is unchanged).
            next = known && op.Output is not null ? op.Output : state;
            return true;
        }
        if (!long.TryParse(state ?? "0", out var current))
        {
            // INCR of a non-number fails without effect.
            return !known || op.Output is null;
        }
        var value = current + long.Parse(op.Input!);
        next = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return !known || op.Output == next;
    }
}
