using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Cairn.Chaos.Checking;
using Cairn.Chaos.Runner;

namespace Cairn.Chaos.Reporting;

/// <summary>
/// The report folder of a run: history.jsonl (every operation), faults.jsonl (the timeline), verdict.txt
/// (per key, whole-run findings, and for a failing key its minimal failing sub-history), and timeline.html
/// (per key, each operation as a bar from call to return in its client's lane, faults shaded).
/// </summary>
public static class Report
{
    public static void Write(string folder, string description, IReadOnlyList<Operation> history, IReadOnlyList<FaultEvent> faults, Analysis analysis)
    {
        HistoryFile.Write(Path.Combine(folder, "history.jsonl"), history);
        File.WriteAllLines(Path.Combine(folder, "faults.jsonl"), faults.Select(f => JsonSerializer.Serialize(f)));
        WriteVerdict(folder, description, history, faults, analysis);
    }

    /// <summary>verdict.txt and timeline.html (what `cairn-chaos check --out` writes for a history file).</summary>
    public static void WriteVerdict(string folder, string description, IReadOnlyList<Operation> history, IReadOnlyList<FaultEvent> faults, Analysis analysis)
    {
        Directory.CreateDirectory(folder);
        var text = new StringBuilder();
        text.AppendLine($"verdict: {(analysis.Valid ? "valid" : "INVALID")}");
        text.AppendLine($"run: {description}");
        text.AppendLine($"operations: {history.Count} ({history.Count(o => o.Outcome == Outcome.Ok)} ok, {history.Count(o => o.Outcome == Outcome.Fail)} failed, {history.Count(o => o.Outcome == Outcome.Unknown)} unknown); faults: {faults.Count}");
        text.AppendLine();
        foreach (var v in analysis.Verdicts)
        {
            text.AppendLine($"{v.Key}: {(v.Linearizable == true ? "linearizable" : v.TimedOut ? "no verdict (out of time)" : "NOT linearizable")} — {v.Operations} operations, checked in {v.Elapsed.TotalMilliseconds:F0} ms; final value {analysis.Final.GetValueOrDefault(v.Key) ?? "nil"}");
        }
        foreach (var f in analysis.Findings)
        {
            text.AppendLine($"{f.Key}: {f.Check}: {f.Detail}");
        }
        foreach (var (key, shrunk) in analysis.Shrunk)
        {
            text.AppendLine();
            text.AppendLine($"failing sub-history of {key}, shrunk ({shrunk.Operations.Count} operations, {(shrunk.FromAnyValue ? "a window: the value before it may be anything" : "from the start: the key absent")}; it is itself not linearizable, so neither is the run; operations still running when it already failed show as unknown, ?):");
            foreach (var op in shrunk.Operations.OrderBy(o => o.Call))
            {
                text.AppendLine("  " + op);
            }
        }
        text.AppendLine();
        text.AppendLine("faults:");
        foreach (var f in faults)
        {
            text.AppendLine($"  {f.StartNanos / 1e9:F2}–{f.EndNanos / 1e9:F2} s  {f.Kind} {f.Target}");
        }
        File.WriteAllText(Path.Combine(folder, "verdict.txt"), text.ToString());
        File.WriteAllText(Path.Combine(folder, "timeline.html"), Html(history, faults, analysis.Verdicts, analysis.Shrunk));
    }

    private const double Width = 1600, Left = 50, Lane = 14;

    /// <summary>
    /// Per key, an overview of the whole run (one pixel column per time slice and client lane, coloured by the
    /// worst outcome in it: runs of one colour merge into one bar, so its size is bounded however long the run);
    /// unknown operations marked at their call; faults as red bands. For a key that is not linearizable, a
    /// close-up of the time around its shrunk failing sub-history, one bar per operation, the shrunk ones outlined.
    /// </summary>
    private static string Html(IReadOnlyList<Operation> history, IReadOnlyList<FaultEvent> faults, IReadOnlyList<KeyVerdict> verdicts, IReadOnlyDictionary<string, Shrunk> minimal)
    {
        var end = Math.Max(1, history.Where(o => o.Outcome != Outcome.Unknown).Select(o => o.Return).DefaultIfEmpty(1).Max());
        var html = new StringBuilder("<!doctype html><meta charset=utf-8><title>cairn-chaos timeline</title><style>body{font:12px sans-serif} rect.fault{fill:#f2c8c8} text{font:9px monospace}</style>");
        html.Append("<p>One lane per client: green ok, grey failed (did not happen), orange unknown (may have happened at any time after its call). Red bands are faults; hover for details. A key that is not linearizable also gets a close-up of the time around its shrunk failing sub-history, whose operations are outlined in black.</p>");
        var byKey = history.ToLookup(o => o.Key);
        // Keys that are not linearizable first; then the rest, up to a bound that keeps the page light.
        const int MaxKeys = 64;
        var shown = verdicts.Where(v => v.Linearizable != true).Concat(verdicts.Where(v => v.Linearizable == true).Take(MaxKeys)).ToList();
        foreach (var verdict in shown)
        {
            var ops = byKey[verdict.Key].Where(o => o.Client != Analysis.FinalClient).ToList();
            if (ops.Count == 0)
            {
                continue;
            }
            var lanes = ops.Select(o => o.Client).Distinct().Order().ToList();
            var (from, to) = (ops.Min(o => o.Call), Math.Max(ops.Min(o => o.Call) + 1, ops.Where(o => o.Outcome != Outcome.Unknown).Select(o => o.Return).DefaultIfEmpty(end).Max()));
            html.Append(CultureInfo.InvariantCulture, $"<h3>{WebUtility.HtmlEncode(verdict.Key)}: {(verdict.Linearizable == true ? "linearizable" : verdict.TimedOut ? "no verdict" : "NOT linearizable")}, {ops.Count} operations, {from / 1e9:F1}–{to / 1e9:F1} s</h3>");
            Overview(html, ops, lanes, faults, from, to);
            if (minimal.GetValueOrDefault(verdict.Key) is { Operations.Count: > 0 } shrunk)
            {
                var first = shrunk.Operations.Min(o => o.Call);
                var last = Math.Max(first + 1, shrunk.Operations.Where(o => o.Outcome != Outcome.Unknown).Select(o => o.Return).DefaultIfEmpty(first + 1).Max());
                var pad = (last - first) / 5 + 1;
                first = Math.Max(0, first - pad);
                last += pad;
                html.Append(CultureInfo.InvariantCulture, $"<p>close-up, {first / 1e9:F4}–{last / 1e9:F4} s:</p>");
                var marked = shrunk.Operations.Select(o => o.Id).ToHashSet();
                Detail(html, ops.Where(o => o.Call <= last && (o.Outcome == Outcome.Unknown || o.Return >= first)).Take(5000).ToList(), lanes, faults, first, last, marked);
            }
        }
        if (verdicts.Count > shown.Count)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>{verdicts.Count - shown.Count} more linearizable keys not drawn.</p>");
        }
        return html.ToString();
    }

    private static void Frame(StringBuilder html, List<int> lanes, IReadOnlyList<FaultEvent> faults, Func<long, double> x)
    {
        var height = Lane * lanes.Count + 6;
        html.Append(CultureInfo.InvariantCulture, $"<svg width='{Width + Left + 10}' height='{height}'>");
        foreach (var f in faults)
        {
            var (a, b) = (x(f.StartNanos), x(f.EndNanos));
            if (b > Left && a < Left + Width)
            {
                html.Append(CultureInfo.InvariantCulture, $"<rect class=fault x='{a:F1}' y='0' width='{Math.Max(1, b - a):F1}' height='{height}'><title>{WebUtility.HtmlEncode($"{f.Kind} {f.Target}, {f.StartNanos / 1e9:F2}–{f.EndNanos / 1e9:F2} s")}</title></rect>");
            }
        }
        for (var lane = 0; lane < lanes.Count; lane++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<text x='0' y='{lane * Lane + 10}'>{(lanes[lane] < 0 ? "final" : "c" + lanes[lane])}</text>");
        }
    }

    private static void Overview(StringBuilder html, List<Operation> ops, List<int> lanes, IReadOnlyList<FaultEvent> faults, long from, long to)
    {
        double X(long t) => Left + Math.Clamp((double)(t - from) / (to - from), 0, 1) * Width;
        Frame(html, lanes, faults, X);
        // Worst outcome per lane and pixel: 0 nothing, 1 ok, 2 failed.
        var columns = (int)Width;
        foreach (var (lane, index) in lanes.Select((l, i) => (l, i)))
        {
            var worst = new byte[columns];
            foreach (var op in ops.Where(o => o.Client == lane && o.Outcome != Outcome.Unknown))
            {
                var a = (int)Math.Min(columns - 1, X(op.Call) - Left);
                var b = (int)Math.Min(columns - 1, X(op.Return) - Left);
                for (var c = a; c <= b; c++)
                {
                    worst[c] = Math.Max(worst[c], op.Outcome == Outcome.Fail ? (byte)2 : (byte)1);
                }
            }
            for (var c = 0; c < columns;)
            {
                var run = c;
                while (run < columns && worst[run] == worst[c])
                {
                    run++;
                }
                if (worst[c] != 0)
                {
                    html.Append(CultureInfo.InvariantCulture, $"<rect x='{Left + c}' y='{index * Lane + 2}' width='{run - c}' height='10' fill='{(worst[c] == 2 ? "#bbbbbb" : "#5ca85c")}'/>");
                }
                c = run;
            }
            foreach (var op in ops.Where(o => o.Client == lane && o.Outcome == Outcome.Unknown))
            {
                html.Append(CultureInfo.InvariantCulture, $"<rect x='{X(op.Call):F1}' y='{index * Lane}' width='3' height='14' fill='#f0a040'><title>{WebUtility.HtmlEncode(op.ToString())}</title></rect>");
            }
        }
        html.Append("</svg>");
    }

    private static void Detail(StringBuilder html, List<Operation> ops, List<int> lanes, IReadOnlyList<FaultEvent> faults, long from, long to, HashSet<int> marked)
    {
        double X(long t) => Left + Math.Clamp((double)(t - from) / (to - from), 0, 1) * Width;
        Frame(html, lanes, faults, X);
        foreach (var op in ops)
        {
            var lane = lanes.IndexOf(op.Client);
            var x = X(op.Call);
            var w = Math.Max(1.5, (op.Outcome == Outcome.Unknown ? Left + Width : X(op.Return)) - x);
            var color = op.Outcome switch { Outcome.Ok => op.Kind == OpKind.Read ? "#7cb87c" : "#3c8c3c", Outcome.Fail => "#bbbbbb", _ => "#f0a040" };
            var stroke = marked.Contains(op.Id) ? " stroke='black' stroke-width='1.5'" : "";
            html.Append(CultureInfo.InvariantCulture, $"<rect x='{x:F1}' y='{lane * Lane + 2}' width='{w:F1}' height='10' fill='{color}'{stroke}><title>{WebUtility.HtmlEncode(op.ToString())}</title></rect>");
        }
        html.Append("</svg>");
    }
}
