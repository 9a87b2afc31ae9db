using System.Security.Cryptography;
using Cairn.StateMachine;

namespace Cairn.Replication;

/// <summary>
/// A follower's forwarding session: its writes go to the leader stamped with this session and consecutive sequence
/// numbers (<see cref="SessionStamp"/>), and the leader's state machine runs each at most once, in sequence order.
/// So up to <see cref="MaxInFlight"/> batches may be out at once, and a write whose answer says it did not run, or
/// may have, is sent again with its number (go-back-N: once nothing is out, everything unanswered goes again in
/// order). A write past its deadline ends the session; the next one closes it in the log, so whatever it still had
/// out either ran before the new session's first write or never runs. Used on the group's thread only.
/// </summary>
internal sealed class Forwarder(int maxBatch, long graceTicks, Func<Forwarder.Item, string> notApplied, Func<string> unknown)
{
    /// <summary>Batches out to the leader at most; more writes wait behind them.</summary>
    public const int MaxInFlight = 16;

    internal sealed class Item(PendingReply proposal)
    {
        public PendingReply Proposal { get; } = proposal;

        public ulong Seq { get; set; }

        /// <summary>An earlier send may have run it (its answer was lost, or said unknown): it may go again only with its own number.</summary>
        public bool MaybeApplied { get; set; }

        public bool InFlight { get; set; }

        /// <summary>Why a leader last refused it, or null when none answered.</summary>
        public string? Refusal { get; set; }
    }

    /// <summary>Writes of one session on their way, in sequence order.</summary>
    internal sealed class Batch(ulong session, List<Item> items, IReadOnlyList<ForwardedWrite> writes)
    {
        public ulong Session { get; } = session;

        public List<Item> Items { get; } = items;

        public IReadOnlyList<ForwardedWrite> Writes { get; } = writes;
    }

    private ulong _session = NewSessionId();
    private ulong _previous;
    private ulong _nextSeq = 1;
    private List<Item> _unanswered = [];
    private int _inFlight;
    // Batches of this session out to the leader: a session ends only once they are back (or past the grace).
    private int _inFlightHere;
    private bool _resend;
    private bool _renew;
    // A write is past its deadline: the session ends once what it has out is back.
    private bool _ending;

    public ulong Session => _session;

    /// <summary>Batches out to the leader (also of an ended session, until they come back).</summary>
    public int InFlight => _inFlight;

    /// <summary>Writes sent and not answered yet.</summary>
    public int Unanswered => _unanswered.Count;

    /// <summary>Writes sent again since start.</summary>
    public long Resent { get; private set; }

    /// <summary>Sessions ended and replaced since start.</summary>
    public long Renewed { get; private set; }

    /// <summary>Whether new writes may go now: nothing waits to go again, and the window has room.</summary>
    public bool CanTakeNew => !_resend && !_ending && _inFlight < MaxInFlight;

    /// <summary>Whether the unanswered writes are to go again now (something came back unanswered, and nothing is out).</summary>
    public bool ResendDue => _resend && !_ending && _inFlight == 0;

    /// <summary>Stamps <paramref name="proposals"/>, in order after everything sent before, into one batch to send.</summary>
    public Batch Take(IReadOnlyList<PendingReply> proposals)
    {
        if (_renew)
        {
            // A write was refused for good, so its number stays unused: nothing after it could run in this session.
            Renew(now: null);
        }
        var items = new List<Item>(proposals.Count);
        foreach (var proposal in proposals)
        {
            var item = new Item(proposal) { Seq = _nextSeq++ };
            _unanswered.Add(item);
            items.Add(item);
        }
        return Send(items);
    }

    /// <summary>Every unanswered write again, in order, in batches of at most the batch size; call when <see cref="ResendDue"/>.</summary>
    public List<Batch> Resend()
    {
        _resend = false;
        if (_renew)
        {
            Renew(now: null);
        }
        var batches = new List<Batch>();
        for (var at = 0; at < _unanswered.Count; at += maxBatch)
        {
            batches.Add(Send(_unanswered.GetRange(at, Math.Min(maxBatch, _unanswered.Count - at))));
        }
        Resent += _unanswered.Count;
        return batches;
    }

    private Batch Send(List<Item> items)
    {
        var writes = new ForwardedWrite[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            items[i].InFlight = true;
            writes[i] = new ForwardedWrite(items[i].Proposal.Command, StampOf(items[i]));
        }
        _inFlight++;
        _inFlightHere++;
        return new Batch(_session, items, writes);
    }

    // Answered: the lowest number still waited on, so the leader drops the replies it kept below it.
    private SessionStamp StampOf(Item item) => new(_session, item.Seq, _unanswered.Count > 0 ? _unanswered[0].Seq : item.Seq, _previous);

    /// <summary>
    /// The leader's answers to <paramref name="batch"/> (null: it certainly did not arrive). Returns whether something
    /// is to go again, so the caller waits a little before it resends (a missing leader is not asked in a tight loop).
    /// </summary>
    public bool Answered(Batch batch, IReadOnlyList<ForwardResult>? results)
    {
        _inFlight--;
        if (batch.Session != _session)
        {
            // Of a session that ended: each of its writes was answered then.
            return false;
        }
        _inFlightHere--;
        var again = false;
        for (var i = 0; i < batch.Items.Count; i++)
        {
            var item = batch.Items[i];
            item.InFlight = false;
            if (results is null)
            {
                again = true;
                continue;
            }
            var result = results[i];
            switch (Classify(result, item))
            {
                case Verdict.Answer:
                    item.Proposal.Complete(result.Reply, result.Outcome);
                    break;
                case Verdict.AnswerInNewSession:
                    item.Proposal.Complete(result.Reply, result.Outcome);
                    _renew = true;
                    break;
                case Verdict.Again:
                    item.Refusal = result.Reply.Text;
                    again = true;
                    break;
                case Verdict.AgainInNewSession:
                    item.Refusal = result.Reply.Text;
                    _renew = true;
                    again = true;
                    break;
            }
        }
        _unanswered.RemoveAll(item => item.Proposal.IsCompleted);
        _resend |= again || (_renew && _unanswered.Count > 0);
        return again;
    }

    private enum Verdict
    {
        Answer,
        AnswerInNewSession,
        Again,
        AgainInNewSession,
    }

    private static Verdict Classify(ForwardResult result, Item item)
    {
        var reply = result.Reply;
        var text = reply.IsError ? reply.Text! : "";
        switch (result.Outcome)
        {
            case WriteOutcome.Applied when text.StartsWith(KvStateMachine.UnknownSessionRefusal, StringComparison.Ordinal):
                return Verdict.AgainInNewSession;
            case WriteOutcome.Applied when text.StartsWith(KvStateMachine.SessionRefusalCode + " ", StringComparison.Ordinal):
                // Out of order: a write before it did not arrive, or did not run; it goes again after that one.
                return Verdict.Again;
            case WriteOutcome.Applied:
                return Verdict.Answer;
            case WriteOutcome.Unknown:
                item.MaybeApplied = true;
                return Verdict.Again;
            default:
                // Not run. Refused by a node that was not leading, or lost in a leader change (CLUSTERDOWN): again. One an
                // earlier send may have run is never answered "not applied": again, until its deadline. Refused for good
                // (MISCONF, CORRUPT, ...): answered, and since its number stays unused, the writes after it need a new session.
                return item.MaybeApplied || text.StartsWith("CLUSTERDOWN ", StringComparison.Ordinal) ? Verdict.Again : Verdict.AnswerInNewSession;
        }
    }

    /// <summary>
    /// Answers the writes past their deadline, if any. Their numbers may then stay unused, or be used late, so the
    /// session ends: every unanswered write that may have run is answered "unknown", and the others go in a new one.
    /// It ends once its batches out are back (their answers are exact), or a grace period after the deadline.
    /// </summary>
    public void Expire(long now)
    {
        if (!_ending && !_unanswered.Exists(item => now > item.Proposal.Deadline))
        {
            return;
        }
        _ending = true;
        if (_inFlightHere == 0 || _unanswered.Exists(item => now > item.Proposal.Deadline + graceTicks))
        {
            Renew(now);
        }
    }

    /// <summary>
    /// A new session, which closes this one when it opens at the leader. Writes that may have run in this one (out
    /// now, or answered "unknown") are answered "unknown"; those past their deadline (when <paramref name="now"/> is
    /// given) "not applied"; the rest are numbered again in the new session.
    /// </summary>
    private void Renew(long? now)
    {
        _previous = _session;
        _session = NewSessionId();
        _nextSeq = 1;
        _renew = false;
        _ending = false;
        _inFlightHere = 0;
        Renewed++;
        var carried = new List<Item>();
        foreach (var item in _unanswered)
        {
            if (item.InFlight || item.MaybeApplied)
            {
                var why = now is null ? RaftGroup.UnknownOutcome("this node's forwarding session had to start again before it was answered") : unknown();
                item.Proposal.Complete(KvReply.Error(why), WriteOutcome.Unknown);
            }
            else if (now is { } at && at > item.Proposal.Deadline)
            {
                item.Proposal.Complete(KvReply.Error(notApplied(item)));
            }
            else
            {
                item.Seq = _nextSeq++;
                carried.Add(item);
            }
        }
        _unanswered = carried;
        _resend = carried.Count > 0;
    }

    /// <summary>
    /// This node leads now: the unanswered writes, stamped, to propose here (before anything newer; a copy still on its
    /// way runs at most once with them). Later forwarding starts a new session.
    /// </summary>
    public List<PendingReply> TakeOver()
    {
        if (_renew)
        {
            Renew(now: null);
        }
        var taken = new List<PendingReply>(_unanswered.Count);
        foreach (var item in _unanswered)
        {
            item.Proposal.Stamp = StampOf(item);
            taken.Add(item.Proposal);
        }
        _unanswered = [];
        _resend = false;
        _ending = false;
        if (taken.Count > 0)
        {
            _previous = _session;
            _session = NewSessionId();
            _nextSeq = 1;
            _inFlightHere = 0;
            Renewed++;
        }
        return taken;
    }

    /// <summary>The node stops: writes that may have run are answered <paramref name="unknownText"/>, the rest <paramref name="error"/>.</summary>
    public void FailAll(string unknownText, string error)
    {
        foreach (var item in _unanswered)
        {
            item.Proposal.Complete(KvReply.Error(item.InFlight || item.MaybeApplied ? unknownText : error), item.InFlight || item.MaybeApplied ? WriteOutcome.Unknown : WriteOutcome.NotApplied);
        }
        _unanswered = [];
    }

    private static ulong NewSessionId()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong id;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            id = BitConverter.ToUInt64(bytes);
        }
        while (id == 0);
        return id;
    }
}
