using System.Text;
using Cairn.Raft.Log;

namespace Cairn.Raft.Tests;

/// <summary>
/// A few nodes with a network the test controls: messages wait in a queue until delivered;
/// links can be cut. Ready handling persists to MemoryStorage before sending, as a driver must.
/// </summary>
internal sealed class TestCluster
{
    private readonly Dictionary<ulong, RaftConfig> _configs = [];
    private readonly HashSet<(ulong, ulong)> _cut = [];

    public TestCluster(int size, bool preVote = true, bool checkQuorum = true, long maxMessageBytes = 1024 * 1024)
    {
        var ids = Enumerable.Range(1, size).Select(i => (ulong)i).ToArray();
        foreach (var id in ids)
        {
            Storages[id] = new MemoryStorage(ids);
            _configs[id] = new RaftConfig
            {
                Id = id, ElectionTicks = 10, HeartbeatTicks = 1, PreVote = preVote, CheckQuorum = checkQuorum,
                MaxMessageBytes = maxMessageBytes, Seed = (int)id,
            };
            Nodes[id] = new RawNode(_configs[id], Storages[id]);
        }
    }

    public Dictionary<ulong, RawNode> Nodes { get; } = [];

    public Dictionary<ulong, MemoryStorage> Storages { get; } = [];

    public Dictionary<ulong, List<string>> Applied { get; } = [];

    public List<Message> InFlight { get; } = [];

    /// <summary>Called for each membership-change entry a node applies.</summary>
    public Action<RawNode, ConfChange>? ConfChangeHook { get; set; }

    public RawNode this[ulong id] => Nodes[id];

    public void Isolate(ulong id)
    {
        foreach (var other in Nodes.Keys.Where(o => o != id))
        {
            _cut.Add((id, other));
            _cut.Add((other, id));
        }
    }

    public void Heal() => _cut.Clear();

    /// <summary>Handles every Ready and delivers every message until nothing moves.</summary>
    public void Stabilize()
    {
        for (var round = 0; round < 1000; round++)
        {
            HandleReadies();
            if (InFlight.Count == 0)
            {
                return;
            }
            var batch = InFlight.ToList();
            InFlight.Clear();
            foreach (var message in batch)
            {
                var delivered = !_cut.Contains((message.From, message.To));
                if (delivered)
                {
                    Nodes[message.To].Step(message);
                }
                if (message.Type == MessageType.Snap)
                {
                    Nodes[message.From].ReportSnapshot(message.To, failed: !delivered);
                }
            }
        }
        throw new InvalidOperationException("cluster did not stabilize");
    }

    public void HandleReadies()
    {
        foreach (var (id, node) in Nodes)
        {
            while (node.HasReady)
            {
                var ready = node.Ready();
                if (ready.Snapshot is { } snapshot)
                {
                    Storages[id].ApplySnapshot(snapshot);
                    Applied[id] = [$"snapshot@{snapshot.Index}"];
                }
                Storages[id].Append(ready.Entries);
                if (ready.HardState is { } hard)
                {
                    Storages[id].SetHardState(hard);
                }
                InFlight.AddRange(ready.Messages.Select(m => m.Detached()));
                var applied = Applied.TryGetValue(id, out var list) ? list : Applied[id] = [];
                foreach (var entry in ready.CommittedEntries)
                {
                    if (entry.Type == EntryType.ConfChange)
                    {
                        ConfChangeHook?.Invoke(node, ConfChange.Decode(entry.Data.Span));
                    }
                    else if (entry.Data.Length > 0)
                    {
                        applied.Add(Encoding.UTF8.GetString(entry.Data.Span));
                    }
                }
                node.Advance(ready);
            }
        }
    }

    public void TickAll(int times)
    {
        for (var i = 0; i < times; i++)
        {
            foreach (var node in Nodes.Values)
            {
                node.Tick();
            }
            Stabilize();
        }
    }

    public void Propose(ulong id, string data)
    {
        Nodes[id].Propose(Encoding.UTF8.GetBytes(data));
        Stabilize();
    }

    public ulong? Leader() => Nodes.Values.Where(n => n.SoftState.State == StateType.Leader).Select(n => (ulong?)n.Id).SingleOrDefault();
}
