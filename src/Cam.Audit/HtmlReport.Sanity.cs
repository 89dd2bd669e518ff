using System.Text;

namespace Cam.Audit;

public static partial class HtmlReport
{
    /// <summary>The cascading randomisation check: each method's verdict, then the rank correlation per method and randomised layer.</summary>
    private static void Sanity(StringBuilder html, AuditSummary a)
    {
        if (a.Sanity is not { } sanity) return;
        html.Append($"<section id=\"sanity\"><h2>Sanity check</h2><p class=\"note\">{sanity.Items} items explained again after randomising the " +
            $"model's layers one more at a time from the head down ({E(string.Join(" → ", sanity.Layers))}); Spearman rank correlation with the " +
                $"original maps (Adebayo et al., 2018). A method whose maps keep a correlation of {SanityCheck.MaxSpearman:F1} or more after the " +
                    $"whole cascade is flagged, and so is one that keeps as much as randomcam's (uniform random channel weights: the floor every " +
                        $"method must beat).</p>");
        if (sanity.Floor is { } floor)
            html.Append($"<p class=\"note\" data-sanity-floor=\"{F(floor.FinalSpearman)}\">The floor: randomcam keeps a rank correlation of " +
                $"{F(floor.FinalSpearman)}{Ci(floor.Interval, pct: false)} after the cascade.</p>");
        foreach (var v in sanity.Methods)
            html.Append($"<p class=\"{(v.Flagged ? "warning" : "ok")}\" data-sanity-method=\"{E(v.Method)}\" " +
                $"data-sanity-flagged=\"{(v.Flagged ? "true" : "false")}\">{(v.Flagged ? "⚠ " : "")}{E(v.Message)}</p>");
        html.Append("<table><tr><th>method</th><th>randomised down to</th><th>maps</th><th>mean rank correlation</th></tr>");
        foreach (var s in sanity.Steps)
            html.Append($"<tr><td>{E(s.Method)}</td><td>{s.Step}. " +
                $"{E(s.Layer)}</td><td>{s.Maps}</td><td>{F(s.MeanSpearman)}{Ci(s.Interval, pct: false)}</td></tr>");
        html.Append("</table></section>\n");
    }
}
