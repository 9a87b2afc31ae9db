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
    public static void Write(string folder, RunOptions options, IReadOnlyList<Operation> history, IReadOnlyList<FaultEvent> faults,
        IReadOnlyList<KeyVerdict> verdicts, IReadOnlyList<RunChecks.Finding> findings, IReadOnlyDictionary<string, Shrunk> minimal,
        IReadOnlyDictionary<string, string?> final, bool valid)
    {
        HistoryFile.Write(Path.Combine(folder, "history.jsonl"), history);
        File.WriteAllLines(Path.Combine(folder, "faults.jsonl"), faults.Select(f => JsonSerializer.Serialize(f)));
        var text = new StringBuilder();
        text.AppendLine($"verdict: {(valid ? "valid" : "INVALID")}");
        text.AppendLine($"run: {options.Nodes} nodes, {options.Time.TotalSeconds:F0} s, seed {options.Seed}, {options.Clients} clients, faults {string.Join(",", options.Faults)}{(options.StaleReads ? ", stale reads" : "")}");
        text.AppendLine($"operations: {history.Count} ({history.Count(o => o.Outcome == Outcome.Ok)} ok, {history.Count(o => o.Outcome == Outcome.Fail)} failed, {history.Count(o => o.Outcome == Outcome.Unknown)} unknown); faults: {faults.Count}");
        text.AppendLine();
        foreach (var v in verdicts)
        {
            text.AppendLine($"{v.Key}: {(v.Linearizable == true ? "linearizable" : v.TimedOut ? "no verdict (out of time)" : "NOT linearizable")} — {v.Operations} operations, checked in {v.Elapsed.TotalMilliseconds:F0} ms; final value {final.GetValueOrDefault(v.Key) ?? "nil"}");
        }
        foreach (var f in findings)
        {
            text.AppendLine($"{f.Key}: {f.Check}: {f.Detail}");
        }
        foreach (var (key, shrunk) in minimal)
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
        File.WriteAllText(Path.Combine(folder, "timeline.html"), Html(history, faults, verdicts, minimal));
    }

    private static string Html(IReadOnlyList<Operation> history, IReadOnlyList<FaultEvent> faults, IReadOnlyList<KeyVerdict> verdicts, IReadOnlyDictionary<string, Shrunk> minimal)
    {
        var end = Math.Max(1, history.Where(o => o.Outcome != Outcome.Unknown).Select(o => o.Return).DefaultIfEmpty(1).Max());
        const double Width = 1600;
        double X(long t) => Math.Min(t, end) * Width / end;
        var html = new StringBuilder("<!doctype html><meta charset=utf-8><title>cairn-chaos timeline</title><style>body{font:12px sans-serif} rect.fault{fill:#f2c8c8} text{font:9px monospace}</style>");
        html.Append("<p>Each bar is one operation, from call to return, in its client's lane: green ok, grey failed (did not happen), orange unknown (open-ended). Red bands are faults. Hover for details; bars outlined in black belong to the shrunk failing sub-history.</p>");
        foreach (var verdict in verdicts)
        {
            var ops = history.Where(o => o.Key == verdict.Key).ToList();
            var lanes = ops.Select(o => o.Client).Distinct().Order().ToList();
            var marked = minimal.GetValueOrDefault(verdict.Key)?.Operations.Select(o => o.Id).ToHashSet() ?? [];
            var height = 14 * lanes.Count + 20;
            html.Append(CultureInfo.InvariantCulture, $"<h3>{WebUtility.HtmlEncode(verdict.Key)}: {(verdict.Linearizable == true ? "linearizable" : verdict.TimedOut ? "no verdict" : "NOT linearizable")}</h3>");
            html.Append(CultureInfo.InvariantCulture, $"<svg width='{Width + 60}' height='{height}'>");
            foreach (var f in faults)
            {
                html.Append(CultureInfo.InvariantCulture, $"<rect class=fault x='{X(f.StartNanos) + 50:F1}' y='0' width='{Math.Max(1, X(f.EndNanos) - X(f.StartNanos)):F1}' height='{height}'><title>{WebUtility.HtmlEncode(f.Kind + " " + f.Target)}</title></rect>");
            }
            for (var lane = 0; lane < lanes.Count; lane++)
            {
                html.Append(CultureInfo.InvariantCulture, $"<text x='0' y='{lane * 14 + 10}'>{(lanes[lane] < 0 ? "final" : "c" + lanes[lane])}</text>");
            }
            foreach (var op in ops)
            {
                var lane = lanes.IndexOf(op.Client);
                var x = X(op.Call) + 50;
                var w = Math.Max(1.5, (op.Outcome == Outcome.Unknown ? Width : X(op.Return)) - X(op.Call));
                var color = op.Outcome switch { Outcome.Ok => op.Kind == OpKind.Read ? "#7cb87c" : "#3c8c3c", Outcome.Fail => "#bbbbbb", _ => "#f0a040" };
                var stroke = marked.Contains(op.Id) ? " stroke='black' stroke-width='1.5'" : "";
                html.Append(CultureInfo.InvariantCulture, $"<rect x='{x:F1}' y='{lane * 14 + 2}' width='{w:F1}' height='10' fill='{color}'{stroke}><title>{WebUtility.HtmlEncode(op.ToString())}</title></rect>");
            }
            html.Append("</svg>");
        }
        return html.ToString();
    }
}
