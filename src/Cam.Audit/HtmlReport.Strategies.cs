using System.Text;
using Cam.Audit.Strategies;

namespace Cam.Audit;

public static partial class HtmlReport
{
    /// <summary>
    /// Strategy discovery: per method and class the eigenvalue plot, then one row per cluster (flagged first, with
    /// their reason): mean map, share, metrics, meta split and the most typical items.
    /// </summary>
    private static void Strategies(StringBuilder html, AuditSummary a)
    {
        if (a.Strategies is not { } strategies) return;
        var flaggedCount = strategies.Sum(s => s.Clusters.Count(c => c.Flagged));
        html.Append("<section id=\"strategies\"><h2>Strategies</h2><p class=\"note\">Each class's maps clustered (Spectral Relevance " +
                    "Analysis): a seeded sample per class, its symmetric nearest-neighbour graph, the eigengap of D<sup>-½</sup>AD<sup>-½</sup> " +
                    "for the number of clusters, k-means on the spectral embedding; every other map joins the nearest cluster centre. A cluster " +
                    "is flagged when its maps stay put while the objects move, or look away from the object, where the rest of the class does not " +
                    "(95% bootstrap intervals that do not meet).</p>");
        html.Append(flaggedCount == 0
            ? "<p class=\"ok\">No class has a cluster that looks away from the object where the rest of the class does not.</p>"
            : $"<p class=\"warning\">⚠ {flaggedCount} flagged {(flaggedCount == 1 ? "cluster" : "clusters")}: " +
              E(string.Join("; ", strategies.SelectMany(s => s.Clusters.Where(c => c.Flagged)
                  .Select(c => $"{s.Method} '{s.Label}' #{c.Id}")))) + "</p>");
        foreach (var s in strategies.OrderByDescending(s => s.Clusters.Any(c => c.Flagged)).ThenBy(s => s.Method,
            StringComparer.Ordinal).ThenBy(s => s.Class))
        {
            var flagged = s.Clusters.Any(c => c.Flagged);
            html.Append($"<details{(flagged ? " open" : "")} data-strategy-class=\"{E(s.Label)}\" data-strategy-method=\"{E(s.Method)}\">" +
                        $"<summary>{E(s.Method)}: '{E(s.Label)}' — {s.K} {(s.K == 1 ? "strategy" : "strategies")} over {s.Maps} maps " +
                        $"({s.Sampled} clustered){(flagged ? " ⚠" : "")}</summary>");
            html.Append($"<figure class=\"chart\">{EigenvaluePlot(s.Eigenvalues, s.K)}<figcaption>leading eigenvalues; the largest gap after " +
                        $"the {s.K}{Ordinal(s.K)} gives k = {s.K}</figcaption></figure>");
            html.Append("<table><tr><th>cluster</th><th>mean map</th><th>maps</th><th>share</th><th>energy in box</th><th>pointing game</th>" +
                        "<th>mass on border</th><th>accuracy</th><th>offset / decoupling</th><th>meta</th><th>most typical items</th></tr>");
            foreach (var c in s.Clusters.OrderByDescending(c => c.Flagged).ThenBy(c => c.Id)) ClusterRow(html, s, c);
            html.Append("</table></details>");
        }
        html.Append("</section>\n");
    }

    private static void ClusterRow(StringBuilder html, ClassStrategies s, StrategyCluster c)
    {
        var png = OverlayRenderer.RenderMap(c.MeanMap, s.Height, s.Width);
        html.Append($"<tr data-strategy-flagged=\"{(c.Flagged ? "true" : "false")}\"{(c.Flagged ? " class=\"stands-out\"" : "")}><td>#{c.Id}" +
                    $"{(c.Flagged ? $"<p class=\"warning\">⚠ {E(c.Reason)}</p>" : "")}</td>" +
                    $"<td><img style=\"width:72px;height:auto\" alt=\"mean map of {E(s.Label)} cluster {c.Id}\" " +
                        $"src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"></td>" +
                    $"<td>{c.Size}</td><td>{Pct(c.Share)}</td><td>{Pct(c.EnergyInBox)}{Ci(c.EnergyInBoxInterval, pct: true)}</td>" +
                    $"<td>{Pct(c.PointingGame)}{Ci(c.PointingGameInterval, pct: true)}</td><td>{Pct(c.BorderMass)}</td>" +
                    $"<td>{Pct(c.Accuracy)} ({c.Correct} right, {c.Incorrect} wrong)</td>" +
                    "<td>" + (c.Geometry is { } g
                        ? $"{Pct(g.Offset)}{Ci(g.OffsetInterval, pct: true)} / {F(g.Decoupling)}{Ci(g.DecouplingInterval, pct: false)}"
                        : "–") + "</td>" +
                    "<td>" + E(string.Join("; ", c.Meta.Select(m => $"{m.Key}: " + string.Join(", ",
                        m.Value.Select(v => $"{v.Key} {v.Value}"))))) + "</td><td>");
        foreach (var item in c.Gallery)
            html.Append(item.Png is { } overlay
                ? $"<img style=\"width:72px;height:auto\" alt=\"overlay of item {item.ItemNumber}\" title=\"{E(item.Caption)}\" " +
                    $"src=\"data:image/png;base64,{Convert.ToBase64String(overlay)}\">"
                : $"<span class=\"note\">#{item.ItemNumber} ({E(item.ImageError ?? "no image")})</span> ");
        if (c.Gallery.Count == 0) html.Append(E(string.Join(", ", c.Items.Select(i => $"#{i}"))));
        html.Append("</td></tr>");
    }

    /// <summary>The leading eigenvalues as dots over [min(λ), 1], the chosen k's gap marked.</summary>
    private static string EigenvaluePlot(IReadOnlyList<double> eigenvalues, int k)
    {
        const int width = 220, height = 100, pad = 14;
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height + pad}\" viewBox=\"0 0 {width} " +
            $"{height + pad}\" role=\"img\">");
        if (eigenvalues.Count == 0) return svg.Append("</svg>").ToString();
        var low = Math.Min(0, eigenvalues.Min());
        var step = (width - 20.0) / Math.Max(1, eigenvalues.Count - 1);
        double Y(double v) => 4 + (1 - (v - low) / Math.Max(1e-9, 1 - low)) * (height - 8);
        if (k < eigenvalues.Count)
            svg.Append(Invariant,
                $"<line x1=\"{10 + (k - 0.5) * step:F1}\" y1=\"0\" x2=\"{10 + (k - 0.5) * step:F1}\" y2=\"{height}\" stroke=\"#e0a800\" " +
                    $"stroke-dasharray=\"3,2\"/>");
        for (var i = 0; i < eigenvalues.Count; i++)
            svg.Append(Invariant,
                $"<circle cx=\"{10 + i * step:F1}\" cy=\"{Y(eigenvalues[i]):F1}\" r=\"3\" fill=\"#3b6ea8\"><title>λ{i + 1} = " +
                    $"{eigenvalues[i]:F4}</title></circle>");
        svg.Append($"<line x1=\"0\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" stroke=\"#555\"/>");
        svg.Append(Invariant, $"<text x=\"0\" y=\"{height + pad - 2}\" font-size=\"10\">λ1 … λ{eigenvalues.Count} (from {low:F2} to 1)</text></svg>");
        return svg.ToString();
    }

    private static string Ordinal(int n) => (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
}
