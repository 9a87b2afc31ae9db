namespace Cairn.Api;

// JSON shapes of the HTTP API (camelCase on the wire). Keys and values are base64, so any bytes round-trip.

/// <summary>A key with its value, revision (the log index that last changed it) and expiry (Unix ms, or null).</summary>
public sealed record KvItem(string Key, string Value, long Revision, long? ExpiresAt);

/// <summary>PUT body with Content-Type application/json.</summary>
public sealed record PutBody(string Value);

public sealed record PutResult(long Revision);

public sealed record DeleteResult(bool Deleted, long Revision);

/// <summary>A page of keys; pass <see cref="Cursor"/> back for the next page (null: no more).</summary>
public sealed record KeyPage(IReadOnlyList<string> Keys, string? Cursor);

public sealed record MemberView(
    string Id,
    string RaftId,
    string RaftAddress,
    string RespAddress,
    string Role,
    string State,
    bool Active,
    long? MatchIndex,
    long? Lag);

public sealed record ClusterView(string Node, string Role, long Term, string? Leader, long CommitIndex, long AppliedIndex, IReadOnlyList<MemberView> Members);

/// <summary>POST /v1/cluster/check when every member agrees: the report lists each member's digest at the index.</summary>
public sealed record CheckView(bool Agree, string Report);

/// <summary>A raised alarm: its kind (CORRUPT) and why.</summary>
public sealed record AlarmView(string Alarm, string Reason);

/// <summary>POST /v1/cluster/members: a node id and its Raft (peer) address; <see cref="Learner"/> keeps it a non-voting learner.</summary>
public sealed record AddMemberBody(string Id, string Address, bool Learner = false);

public sealed record HealthView(string Status, string Node, string Role, string? Leader, long CommitIndex, long AppliedIndex, string? Reason);
