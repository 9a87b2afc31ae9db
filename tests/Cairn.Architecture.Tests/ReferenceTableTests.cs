using System.Reflection;

namespace Cairn.Architecture.Tests;

/// <summary>
/// The "may reference" column of shared/DESIGN.md's project table, checked on the compiled
/// assemblies: a Cairn assembly may reference only the Cairn assemblies listed for it.
/// </summary>
public class ReferenceTableTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Cairn.Raft"] = [],
        ["Cairn.Storage"] = ["Cairn.Raft"],
        ["Cairn.Storage.RocksDb"] = ["Cairn.Storage"],
        // Like Cairn.Storage, the WAL needs the Raft entry types it stores.
        ["Cairn.Storage.Wal"] = ["Cairn.Storage", "Cairn.Raft"],
        ["Cairn.StateMachine"] = ["Cairn.Storage"],
        ["Cairn.Replication"] = ["Cairn.Raft", "Cairn.Storage", "Cairn.StateMachine"],
        ["Cairn.Transport"] = ["Cairn.Replication"],
        ["Cairn.Resp"] = [],
        // The façade's request and reply types (KvCommand, KvReply) are the state machine's.
        ["Cairn.Server"] = ["Cairn.Resp", "Cairn.Replication", "Cairn.StateMachine"],
        ["Cairn.Api"] = ["Cairn.Replication", "Cairn.StateMachine"],
        ["Cairn.Cli"] = ["Cairn.Resp"],
    };

    public static TheoryData<string> CairnAssemblies()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory, "Cairn.*.dll").Where(f => !Path.GetFileName(f).Contains(".Tests")))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CairnAssemblies))]
    public void ReferencesFollowTheDesignTable(string name)
    {
        Assert.True(Allowed.ContainsKey(name), $"{name} is not in the DESIGN.md project table");
        var references = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, name + ".dll"))
            .GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Cairn.", StringComparison.Ordinal))
            .ToList();
        Assert.All(references, r => Assert.Contains(r, Allowed[name]));
    }

    [Fact]
    public void OnlyTheHostNamesConcreteStorage()
    {
        var host = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "cairn-server.dll"));
        Assert.Contains(host.GetReferencedAssemblies(), a => a.Name == "Cairn.Storage.RocksDb");
        Assert.True(Directory.GetFiles(AppContext.BaseDirectory, "Cairn.*.dll").Count(f => !Path.GetFileName(f).Contains(".Tests")) >= 6);
    }
}
