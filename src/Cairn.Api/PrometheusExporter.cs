using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Cairn.Replication;
using Prometheus;

namespace Cairn.Api;

/// <summary>
/// The node's metrics in the Prometheus text format: Raft and store state read from the service at each
/// scrape, per-event measurements (command latencies, log write durations, proposal batches) bridged from
/// the "Cairn.*" System.Diagnostics.Metrics meters, and the process's .NET statistics. Its own registry, so
/// two nodes in one process (tests) do not share counters.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] CountBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

    private readonly KvServiceAccessor _accessor;
    private readonly IMetricFactory _factory;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Bridged> _bridged = new();
    private readonly ConcurrentDictionary<string, Gauge> _storage = new();
    private readonly ConcurrentDictionary<(Instrument, object?, object?), object> _children = new();

    private readonly Gauge _term;
    private readonly Gauge _role;
    private readonly Gauge _isLeader;
    private readonly Gauge _commit;
    private readonly Gauge _applied;
    private readonly Gauge _firstIndex;
    private readonly Gauge _lastIndex;
    private readonly Gauge _logEntries;
    private readonly Gauge _logBytes;
    private readonly Gauge _snapshotBytes;
    private readonly Gauge _snapshotIndex;
    private readonly Gauge _members;
    private readonly Counter _leaderChanges;
    private readonly Counter _snapshotsTaken;
    private readonly Counter _snapshotsSent;
    private readonly Counter _snapshotsInstalled;
    private readonly Counter _logWrites;
    private readonly Counter _logEntriesWritten;
    private readonly Gauge _keys;
    private readonly Gauge _expires;
    private readonly Counter _expired;
    private readonly Gauge _writeFailing;
    private readonly Counter _peersRefused;
    private readonly Gauge _corruptAlarm;
    private readonly Counter _peerMessagesDropped;
    private readonly Counter _gcPause;

    public PrometheusExporter(KvServiceAccessor accessor)
    {
        _accessor = accessor;
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        _factory = Metrics.WithCustomRegistry(Registry);
        _term = _factory.CreateGauge("cairn_raft_term", "Current Raft term");
        _role = _factory.CreateGauge("cairn_raft_role", "1 for this node's current role", ["role"]);
        _isLeader = _factory.CreateGauge("cairn_raft_is_leader", "1 when this node leads");
        _commit = _factory.CreateGauge("cairn_raft_commit_index", "Highest log index known committed");
        _applied = _factory.CreateGauge("cairn_raft_applied_index", "Highest log index applied to the store");
        _firstIndex = _factory.CreateGauge("cairn_raft_log_first_index", "First index still in the log (older entries are compacted)");
        _lastIndex = _factory.CreateGauge("cairn_raft_log_last_index", "Last index in the log");
        _logEntries = _factory.CreateGauge("cairn_raft_log_entries", "Entries in the log (last - first + 1)");
        _snapshotBytes = _factory.CreateGauge("cairn_raft_snapshot_last_sent_bytes", "Size of the last snapshot (RocksDB checkpoint) sent to a follower");
        _logBytes = _factory.CreateGauge("cairn_raft_log_bytes", "Bytes the Raft log (WAL segments) takes on disk");
        _snapshotIndex = _factory.CreateGauge("cairn_raft_snapshot_index", "Index of the latest snapshot");
        _members = _factory.CreateGauge("cairn_raft_members", "Members of the group by kind", ["kind"]);
        _leaderChanges = _factory.CreateCounter("cairn_raft_leader_changes_total", "Leader changes seen by this node");
        _snapshotsTaken = _factory.CreateCounter("cairn_raft_snapshots_taken_total", "Snapshots taken (each compacts the log)");
        _snapshotsSent = _factory.CreateCounter("cairn_raft_snapshots_sent_total", "Snapshots sent to followers");
        _snapshotsInstalled = _factory.CreateCounter("cairn_raft_snapshots_installed_total", "Snapshots received and installed");
        _logWrites = _factory.CreateCounter("cairn_raft_log_writes_total", "Durable log writes that carried entries (one fdatasync each)");
        _logEntriesWritten = _factory.CreateCounter("cairn_raft_log_entries_written_total", "Entries written to the log");
        _keys = _factory.CreateGauge("cairn_keys", "Stored keys (as DBSIZE counts)");
        _expires = _factory.CreateGauge("cairn_keys_with_expiry", "Stored keys with a time to live");
        _expired = _factory.CreateCounter("cairn_expired_keys_total", "Keys deleted by active expiry");
        _writeFailing = _factory.CreateGauge("cairn_log_write_failing", "1 while the Raft log cannot be written (e.g. a full disk)");
        _corruptAlarm = _factory.CreateGauge("cairn_corrupt_alarm", "1 once replicas' digests differed (RAFT.CHECK): writes are refused on this node");
        _peersRefused = _factory.CreateCounter("cairn_peer_connections_refused_total", "Peer connections refused because the peer did not prove the cluster secret");
        _peerMessagesDropped = _factory.CreateCounter("cairn_peer_messages_dropped_total", "Raft messages dropped because they named a sender other than the authenticated peer");
        // The one GC figure DotNetStats lacks; named as .NET's own runtime meter (dotnet.gc.pause.time) exports it.
        _gcPause = _factory.CreateCounter("dotnet_gc_pause_time_seconds_total", "Time the process spent paused in garbage collections");
        Registry.AddBeforeCollectCallback(Update);

        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("Cairn.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Observe(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Observe(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Observe(instrument, value, tags));
        _listener.Start();
    }

    public CollectorRegistry Registry { get; }

    private void Update()
    {
        _listener.RecordObservableInstruments();
        _gcPause.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
        if (_accessor.IfReady is not { } service)
        {
            return;
        }
        var group = service.Cluster;
        var status = service.GetStatus();
        _term.Set(group.Term);
        foreach (var role in new[] { "leader", "follower", "candidate", "precandidate", "learner", "uninitialized" })
        {
            _role.WithLabels(role).Set(group.Role == role ? 1 : 0);
        }
        _isLeader.Set(group.IsLeader ? 1 : 0);
        _commit.Set(group.CommitIndex);
        _applied.Set(group.AppliedIndex);
        _firstIndex.Set(group.FirstIndex);
        _lastIndex.Set(group.LastIndex);
        _logEntries.Set(group.LastIndex >= group.FirstIndex ? group.LastIndex - group.FirstIndex + 1 : 0);
        _snapshotIndex.Set(group.SnapshotIndex);
        _logBytes.Set(status.LogBytes);
        _snapshotBytes.Set(group.LastSnapshotBytes);
        _members.WithLabels("voter").Set(group.Members.Count(m => m.Voter));
        _members.WithLabels("learner").Set(group.Members.Count(m => !m.Voter));
        _leaderChanges.IncTo(group.LeaderChanges);
        _snapshotsTaken.IncTo(group.SnapshotsTaken);
        _snapshotsSent.IncTo(group.SnapshotsSent);
        _snapshotsInstalled.IncTo(group.SnapshotsInstalled);
        _logWrites.IncTo(status.WriteBatches);
        _logEntriesWritten.IncTo(status.WriteCommands);
        _keys.Set(status.KeyCount);
        _expires.Set(status.ExpiresCount);
        _expired.IncTo(status.ExpiredKeys);
        _writeFailing.Set(status.LastWriteError is null ? 0 : 1);
        _peersRefused.IncTo(status.PeersRefused);
        _corruptAlarm.Set(group.CorruptAlarm is null ? 0 : 1);
        _peerMessagesDropped.IncTo(status.PeerMessagesDropped);
        foreach (var (name, value) in status.EngineStats)
        {
            if (double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                _storage.GetOrAdd(name, n => _factory.CreateGauge(n.StartsWith("cairn_", StringComparison.Ordinal) ? n : "cairn_" + n, $"Storage statistic {n}")).Set(number);
            }
        }
    }

    /// <summary>
    /// One measurement into its Prometheus child. The hot path (every RESP command) allocates nothing once a
    /// label combination has been seen: children are cached by instrument and the first two tag values, which
    /// are the same string instances each time (command names from the command table, fixed outcomes).
    /// </summary>
    private void Observe(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = (instrument, tags.Length > 0 ? tags[0].Value : null, tags.Length > 1 ? tags[1].Value : null);
        if (tags.Length > 2 || !_children.TryGetValue(key, out var child))
        {
            child = Child(instrument, tags);
            if (tags.Length <= 2)
            {
                _children.TryAdd(key, child);
            }
        }
        switch (child)
        {
            case Histogram.Child histogram:
                histogram.Observe(value);
                break;
            case Counter.Child counter:
                counter.Inc(value);
                break;
            case Gauge.Child gauge:
                gauge.Set(value);
                break;
        }
    }

    private object Child(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var names = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            names[i] = tags[i].Key;
        }
        var bridged = _bridged.GetOrAdd(instrument, Bridge, names);
        var values = new string[bridged.Labels.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = "";
            foreach (var tag in tags)
            {
                if (tag.Key == bridged.Labels[i])
                {
                    values[i] = tag.Value?.ToString() ?? "";
                }
            }
        }
        return bridged.Collector switch
        {
            Histogram histogram => histogram.WithLabels(values),
            Counter counter => counter.WithLabels(values),
            Gauge gauge => gauge.WithLabels(values),
            _ => throw new InvalidOperationException($"unexpected collector for {instrument.Name}"),
        };
    }

    /// <summary>"cairn.raft.log.write.duration" in seconds → cairn_raft_log_write_duration_seconds; counters get _total.</summary>
    private Bridged Bridge(Instrument instrument, string[] labels)
    {
        var name = instrument.Name.Replace('.', '_');
        var help = instrument.Description ?? instrument.Name;
        ICollector collector = instrument switch
        {
            Histogram<double> or Histogram<int> or Histogram<long> => _factory.CreateHistogram(
                instrument.Unit == "s" ? name + "_seconds" : name, help,
                new HistogramConfiguration { LabelNames = labels, Buckets = instrument.Unit == "s" ? SecondsBuckets : CountBuckets }),
            Counter<long> or Counter<int> or Counter<double> => _factory.CreateCounter(name + "_total", help, labels),
            _ => _factory.CreateGauge(name, help, labels),
        };
        return new Bridged(collector, labels);
    }

    private sealed record Bridged(ICollector Collector, string[] Labels);

    public void Dispose() => _listener.Dispose();
}
