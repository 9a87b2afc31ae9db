using System.Diagnostics;
using Cairn.Raft;
using Cairn.Raft.Log;

// Throughput of the Raft core alone: a 3-node group in one thread, an instant network, no disk.
// The leader proposes batches of 100-byte entries; every Ready is "persisted" to MemoryStorage, its
// messages delivered at once, its committed entries counted. Reports committed entries per second at
// the leader and bytes allocated per entry (the payloads are preallocated and reused, so they cost nothing).
//   dotnet run -c Release --project bench/Cairn.Raft.Bench -- [entries] [batch]
var total = args.Length > 0 ? int.Parse(args[0]) : 2_000_000;
var batchSize = args.Length > 1 ? int.Parse(args[1]) : 256;

var ids = new ulong[] { 1, 2, 3 };
// Storage is a test double here: sized up front so its growth does not count as the core's allocation.
var storages = ids.ToDictionary(id => id, id => new MemoryStorage(ids, total + total / 4 + 1024));
var nodes = ids.ToDictionary(id => id, id => new RawNode(new RaftConfig { Id = id, Seed = (int)id, MaxInflightMessages = 1024 }, storages[id]));
long committedAtLeader = 0;

void Pump()
{
    bool busy;
    do
    {
        busy = false;
        foreach (var (id, node) in nodes)
        {
            while (node.HasReady)
            {
                busy = true;
                var ready = node.Ready();
                storages[id].Append(ready.Entries);
                if (ready.HardState is { } hard)
                {
                    storages[id].SetHardState(hard);
                }
                if (id == 1)
                {
                    committedAtLeader += ready.CommittedEntries.Count;
                }
                // An instant transport: deliver before Advance, while the messages' entry views are valid
                // (a real transport serializes them by then).
                foreach (var message in ready.Messages)
                {
                    nodes[message.To].Step(message);
                }
                node.Advance(ready);
            }
        }
    }
    while (busy);
}

nodes[1].Campaign();
Pump();
var payloads = Enumerable.Range(0, batchSize).Select(_ => (ReadOnlyMemory<byte>)new byte[100]).ToArray();

void Run(int entries)
{
    var target = committedAtLeader + entries;
    while (committedAtLeader < target)
    {
        nodes[1].ProposeBatch(payloads);
        Pump();
    }
}

Run(Math.Min(200_000, total / 5));
GC.Collect();
var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
var startCommitted = committedAtLeader;
var clock = Stopwatch.StartNew();
Run(total);
clock.Stop();
var committed = committedAtLeader - startCommitted;
var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
Console.WriteLine($"3-node group, in-memory, batch {batchSize}, 100-byte entries: {committed:N0} entries in {clock.Elapsed.TotalSeconds:F2} s " +
    $"= {committed / clock.Elapsed.TotalSeconds:N0} entries/s; {(double)allocated / committed:F0} bytes allocated per entry; " +
    $"{GC.CollectionCount(0)} gen0 / {GC.CollectionCount(1)} gen1 / {GC.CollectionCount(2)} gen2 collections");
