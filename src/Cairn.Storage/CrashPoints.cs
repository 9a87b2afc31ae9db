namespace Cairn.Storage;

/// <summary>
/// Test-only: a process started with <c>CAIRN_TEST_CRASH_AT=name</c> dies abruptly (no cleanup, as a power cut or
/// kill -9 would leave it) the first time it reaches the point of that name, so tests can check that a node
/// starts and recovers from every step of a multi-step change on disk. Points: <c>snapshot-staged</c> (a received
/// checkpoint is staged, the store not yet replaced), <c>snapshot-renamed</c> (the old store renamed aside, the new
/// one not yet in place), <c>snapshot-swapped</c> (the store replaced, the log not yet restarted after it).
/// </summary>
public static class CrashPoints
{
    private static readonly string? Armed = Environment.GetEnvironmentVariable("CAIRN_TEST_CRASH_AT");

    public static void Reach(string name)
    {
        if (Armed is not null && Armed == name)
        {
            Environment.FailFast($"CAIRN_TEST_CRASH_AT: crashing at {name}");
        }
    }
}
