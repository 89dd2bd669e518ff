using System.Text;

namespace Cam.Audit;

/// <summary>A diff of two jobs as one self-contained HTML file: the gate's verdict, shortcut changes, per-method and per-class changes.</summary>
public static partial class HtmlDiffReport
{
    public static string Render(DiffSummary diff)
    {
        var html = new StringBuilder();
        html.Append($"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Cam diff {diff.JobA} → " +
            $"{diff.JobB}</title><style>{Style}</style></head>\n<body>\n");
        html.Append($"<h1>Diff of <code>{diff.JobA}</code> ({E(diff.ModelA)}) → <code>{diff.JobB}</code> ({E(diff.ModelB)})</h1><p>dataset " +
            $"{E(diff.Dataset)}</p>\n");
        html.Append("<section id=\"gate\"><h2>Gate</h2>");
        if (diff.GateFailures.Count == 0) html.Append("<p class=\"ok\" data-gate=\"pass\">Passes every --fail-on rule.</p>");
        foreach (var failure in diff.GateFailures) html.Append($"<p class=\"warning\" data-gate=\"fail\">✗ {E(failure)}</p>");
        html.Append("</section>\n<section id=\"shortcuts\"><h2>Shortcuts</h2>");
        if (diff.Shortcuts.Count == 0) html.Append("<p class=\"ok\">Neither job's maps show a shortcut.</p>");
        foreach (var s in diff.Shortcuts)
            html.Append($"<p class=\"{(s.Change == "new" ? "warning" : "note")}\" data-shortcut=\"{E(s.Change)}\">{E(s.Change)} in B — " +
                $"{E(s.Method)}: {E(s.Message)}</p>");
        html.Append("</section>\n");
        Strategies(html, diff);
        foreach (var m in diff.Methods)
        {
            html.Append($"<section class=\"method\" data-method=\"{E(m.Method)}\"><h2>{E(m.Method)} ({E(m.LayerA)} → {E(m.LayerB)}), " +
                $"{m.PairedItems} paired items</h2>");
            html.Append($"<p>map drift (mean 1 − Pearson): {Drift(m.Drift)}</p>");
            Changes(html, m.Changes);
            html.Append("<details><summary>Per class</summary>");
            foreach (var c in m.Classes)
            {
                html.Append($"<h3>{E(c.Label)} ({c.Items} items), map drift {Drift(c.Drift)}</h3>");
                Changes(html, c.Changes);
            }
            html.Append("</details></section>\n");
        }
        html.Append("<p class=\"note\">Changes are B − A over the items both jobs explained, paired by item. Intervals: 95% paired bootstrap " +
            "(items resampled with their pair, 1,000 times); a change is marked when its interval leaves out zero. t: Student's paired t.</p>");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void Changes(StringBuilder html, IReadOnlyList<MetricChange> changes)
    {
        html.Append("<table><tr><th>metric</th><th>pairs</th><th>A</th><th>B</th><th>change</th><th>95% interval</th><th>paired t</th></tr>");
        foreach (var c in changes)
            html.Append($"<tr{(c.Significant ? " class=\"significant\"" : "")} data-metric=\"{E(c.Metric)}\">" +
                $"<td>{E(c.Metric.Replace('_', ' '))}</td><td>{c.Pairs}</td><td>{F(c.A)}</td><td>{F(c.B)}</td>" +
                $"<td>{c.Delta.ToString("+0.000;-0.000;0.000", Invariant)}</td>" +
                $"<td>{(c.DeltaInterval is { } i ? $"[{F(i.Low)}, {F(i.High)}]" : "–")}</td>" +
                $"<td>{(c.T is { } t ? t.ToString("F2", Invariant) : "–")}</td></tr>");
        html.Append("</table>");
    }

    private static string Drift(MapDrift? drift) => drift is null ? "–" : $"{F(drift.Mean)}"
        + (drift.Interval is { } i ? $" [{F(i.Low)}, {F(i.High)}]" : "") + $" over {drift.Items} items";

    private const string Style = """
        body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
        table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}
        th{background:#f2f2f2}.warning{background:#fff3cd;border-left:4px solid #e0a800;padding:.5em}.ok{color:#2e7d32}
        .note{color:#666;font-size:.85em}tr.significant td{font-weight:bold}
        """;
}
