namespace Cairn.Chaos.Checking;

/// <summary>
/// Shrinks a non-linearizable history of one key to a minimal one (every operation left is needed: removing
/// any makes it linearizable), by trying to drop each operation in turn — what a person reads to see the bug.
/// </summary>
public static class Minimizer
{
    public static IReadOnlyList<Operation> Minimize(IReadOnlyList<Operation> failing, TimeSpan budget)
    {
        var deadline = DateTime.UtcNow + budget;
        var current = failing.ToList();
        for (var i = current.Count - 1; i >= 0 && DateTime.UtcNow < deadline; i--)
        {
            var without = current.Where((_, j) => j != i).ToList();
            var verdict = LinearizabilityChecker.CheckKey(current[i].Key, without, deadline);
            if (verdict.Linearizable == false)
            {
                current = without;
            }
        }
        return current;
    }
}
