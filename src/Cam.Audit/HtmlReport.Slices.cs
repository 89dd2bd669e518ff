using System.Text;

namespace Cam.Audit;

public static partial class HtmlReport
{
    /// <summary>The audit per slice: an overview that marks the slices standing out, then each slice's tables, findings and mean maps.</summary>
    private static void Slices(StringBuilder html, AuditSummary a)
    {
        if (a.Slices is not { } audit) return;
        html.Append($"<section id=\"slices\"><h2>Slices by <code>{E(audit.Key)}</code></h2>");
        html.Append("<p class=\"note\">Every aggregate again, over the items whose meta holds each value; a slice stands out when a shortcut is " +
            "found in it or a mean's 95% interval does not meet the rest's.</p>");
        html.Append("<table><tr><th>slice</th><th>items</th><th>accuracy</th>");
        var methods = a.Methods.Select(m => m.Method).ToList();
        foreach (var m in methods) html.Append($"<th>{E(m)}: pointing game</th><th>{E(m)}: energy in box</th>");
        html.Append("<th>shortcuts</th><th>stands out</th></tr>");
        foreach (var s in audit.Slices)
        {
            var standsOut = s.StandsOut.Count > 0;
            html.Append($"<tr data-slice=\"{E(s.Value)}\" " +
                $"data-stands-out=\"{(standsOut ? "true" : "false")}\"{(standsOut ? " class=\"stands-out\"" : "")}><td>{E(s.Value)}</td>" +
                $"<td>{s.Items}</td><td>{Pct(s.Accuracy)}{Ci(s.AccuracyInterval, pct: true)}</td>");
            foreach (var method in methods)
            {
                var m = s.Methods.FirstOrDefault(x => x.Method == method);
                html.Append($"<td>{Pct(m?.PointingGame)}{Ci(m?.Intervals.GetValueOrDefault("pointingGame"), pct: true)}</td>" +
                    $"<td>{Pct(m?.EnergyInBox)}{Ci(m?.Intervals.GetValueOrDefault("energyInBox"), pct: true)}</td>");
            }
            var shortcuts = s.Findings.Where(f => f.Suspicious).Select(f => $"{f.Method}: '{f.Label}' in the {f.Region}").ToList();
            html.Append($"<td>{(shortcuts.Count == 0 ? "none" : E(string.Join("; ", shortcuts)))}</td><td>{(standsOut ? "⚠ yes" : "no")}</td></tr>");
        }
        html.Append("</table>");
        foreach (var s in audit.Slices)
        {
            html.Append($"<details{(s.StandsOut.Count > 0 ? " open" : "")} data-slice-details=\"{E(s.Value)}\"><summary>{E(audit.Key)} = " +
                $"{E(s.Value)} ({s.Items} items)</summary>");
            foreach (var reason in s.StandsOut) html.Append($"<p class=\"warning\">⚠ {E(reason)}</p>");
            Table(html, MethodColumns, s.Methods, MethodRow);
            Table(html, ClassColumns, s.Classes, ClassRow);
            MeanMapGalleries(html, s.MeanMaps, method => $"<h4>{E(method)}: mean map per class</h4>", $" where {E(audit.Key)} = {E(s.Value)}");
            html.Append("</details>");
        }
        html.Append("</section>\n");
    }
}
