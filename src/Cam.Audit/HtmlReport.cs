using System.Text;

namespace Cam.Audit;

/// <summary>
/// The audit as one self-contained HTML file: styles inline, charts as SVG, images as data URIs. A small script marks
/// the body with <c>data-images-loaded</c>, <c>data-images-broken</c> and <c>data-script-errors</c> once the page has
/// loaded, so that a headless browser can check it.
/// </summary>
public static partial class HtmlReport
{
    public static string Render(AuditSummary audit)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append($"<title>Cam audit {audit.JobId}</title><style>{Style}</style></head>\n<body>\n");
        html.Append($"<h1>Audit of job <code>{audit.JobId}</code></h1>\n");
        Summary(html, audit);
        Findings(html, audit);
        Methods(html, audit);
        MethodFailures.Render(html, audit);
        Classes(html, audit);
        Distributions(html, audit);
        MeanMaps(html, audit);
        foreach (var gallery in audit.Galleries) Gallery(html, gallery);
        Errors(html, audit);
        Slices(html, audit);
        Sanity(html, audit);
        Strategies(html, audit);
        html.Append($"<script>{Script}</script>\n</body></html>\n");
        return html.ToString();
    }

    private static void Summary(StringBuilder html, AuditSummary a)
    {
        html.Append("<section id=\"summary\"><h2>Summary</h2><table>");
        Row(html, "state", a.State);
        Row(html, "dataset", a.Dataset);
        Row(html, "model", a.Model);
        Row(html, "items", $"{a.Items} ({a.Succeeded} explained, {a.Failed} failed)");
        Row(html, "results", a.Results.ToString(Invariant));
        if (a.Seconds is { } s) Row(html, "duration", $"{s:F1} s ({(s > 0 ? a.Succeeded / s : 0):F1} images/s)");
        // The interval is markup (its own span), so the row's value is built as HTML, its text encoded.
        MarkupRow(html, "accuracy", a.Accuracy is { } acc
            ? $"{E(Pct(acc))}{Ci(a.AccuracyInterval, pct: true)} of {a.LabelledItems} labelled items"
            : "no labels");
        UnknownLabelsRow(html, a);
        html.Append("</table></section>\n");
    }

    private static void Findings(StringBuilder html, AuditSummary a)
    {
        html.Append("<section id=\"findings\"><h2>Shortcut finder</h2>");
        var suspicious = a.Findings.Where(f => f.Suspicious).ToList();
        if (suspicious.Count == 0)
            html.Append("<p class=\"ok\">No class's maps concentrate on a region the other classes' maps avoid.</p>");
        else
            foreach (var f in suspicious) html.Append($"<p class=\"warning\" data-finding-class=\"{E(f.Label)}\" " +
                $"data-finding-region=\"{E(f.Region)}\">⚠ {E(f.Method)}: {E(f.Message)}</p>");
        html.Append("<details><summary>Every class</summary><table><tr><th>method</th><th>class</th><th>region standing out most</th><th>class's " +
            "mass there</th><th>other classes' mass</th><th>lift</th><th>t</th><th>maps peaking there</th><th>others peaking " +
                "there</th><th>border</th><th>energy outside box</th></tr>");
        foreach (var f in a.Findings)
            html.Append($"<tr><td>{E(f.Method)}</td><td>{E(f.Label)}</td><td>{E(f.Region)} ({f.PeakY}, {f.PeakX})</td><td>{Pct(f.RegionMass)}</td>" +
                $"<td>{Pct(f.OtherMass)}</td><td>{F(f.Lift)}</td><td>{f.TStatistic:F1}</td><td>{Pct(f.PeakShare)}</td>" +
                $"<td>{Pct(f.BaselineShare)}</td><td>{(f.OnBorder ? "yes" : "no")}</td><td>{Pct(f.OutsideBox)}</td></tr>");
        html.Append("</table></details></section>\n");
    }

    private static void Methods(StringBuilder html, AuditSummary a)
    {
        html.Append("<section id=\"methods\"><h2>Methods</h2>");
        Table(html, MethodColumns, a.Methods, MethodRow);
        html.Append("<p class=\"note\">Over the map of the explained class (top-1, or the label) at each " +
            "method's primary layer. Faithfulness columns are empty unless the job asked for metrics. Brackets: 95% " +
            "bootstrap intervals (items resampled, 1,000 times).</p></section>\n");
    }

    private static void Classes(StringBuilder html, AuditSummary a)
    {
        html.Append("<section id=\"classes\"><h2>Per class</h2>");
        Table(html, ClassColumns, a.Classes, ClassRow);
        html.Append("</section>\n");
    }

    private static void Distributions(StringBuilder html, AuditSummary a)
    {
        if (a.Distributions.Count == 0) return;
        html.Append("<section id=\"distributions\"><h2>Distributions</h2><div class=\"charts\">");
        foreach (var d in a.Distributions)
        {
            html.Append($"<figure class=\"chart\">{Histogram(d.Counts)}<figcaption>{E(d.Method)}: {E(d.Metric.Replace('_', ' '))} (0 → 1, n = " +
                $"{d.Counts.Sum()})</figcaption></figure>");
        }
        html.Append("</div></section>\n");
    }

    private static string Histogram(long[] counts)
    {
        const int width = 220, height = 100, pad = 14;
        var max = Math.Max(1, counts.Max());
        var bar = (width - 2.0) / counts.Length;
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height + pad}\" viewBox=\"0 0 {width} " +
            $"{height + pad}\" role=\"img\">");
        for (var i = 0; i < counts.Length; i++)
        {
            var h = counts[i] * (height - 4.0) / max;
            svg.Append(Invariant,
                $"<rect x=\"{1 + i * bar:F1}\" y=\"{height - h:F1}\" width=\"{bar - 2:F1}\" height=\"{h:F1}\" " +
                    $"fill=\"#3b6ea8\"><title>{i / (double)counts.Length:F1}–{(i + 1) / (double)counts.Length:F1}: {counts[i]}</title></rect>");
        }
        svg.Append($"<line x1=\"0\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" stroke=\"#555\"/>");
        svg.Append($"<text x=\"0\" y=\"{height + pad - 2}\" font-size=\"10\">0</text><text x=\"{width - 8}\" y=\"{height + pad - 2}\" " +
            $"font-size=\"10\">1</text></svg>");
        return svg.ToString();
    }

    private static void MeanMaps(StringBuilder html, AuditSummary a)
    {
        if (a.MeanMaps.Count == 0) return;
        html.Append("<section id=\"mean-maps\"><h2>Mean map per class</h2><p class=\"note\">Each map scaled to sum 1, then averaged over the " +
            "class's items: where the model looks for that class, on average.</p>");
        MeanMapGalleries(html, a.MeanMaps, method => $"<h3>{E(method)}</h3>", "");
        html.Append("</section>\n");
    }

    /// <summary>Per method a heading and a gallery of its classes' mean maps; <paramref name="where"/> ends each image's alt text.</summary>
    private static void MeanMapGalleries(StringBuilder html, IEnumerable<ClassMeanMap> maps, Func<string, string> heading, string where)
    {
        foreach (var group in maps.GroupBy(m => m.Method))
        {
            html.Append(heading(group.Key)).Append("<div class=\"gallery\">");
            foreach (var m in group)
            {
                var png = OverlayRenderer.RenderMap(m.Values, m.Height, m.Width);
                html.Append($"<figure><img alt=\"mean map of {E(m.Label)}{where}\" " +
                    $"src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"><figcaption>{E(m.Label)} ({m.Maps} maps)</figcaption></figure>");
            }
            html.Append("</div>");
        }
    }

    private static void Gallery(StringBuilder html, Gallery gallery)
    {
        var id = gallery.Title.ToLowerInvariant().Replace(' ', '-');
        html.Append($"<section id=\"{E(id)}\"><h2>{E(gallery.Title)}</h2><p class=\"note\">{E(gallery.Description)}</p><div class=\"gallery\">");
        if (gallery.Items.Count == 0) html.Append("<p>No items.</p>");
        foreach (var item in gallery.Items)
        {
            var picture = item.Png is { } png
                ? $"<img alt=\"overlay of item {item.ItemNumber}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">"
                : $"<div class=\"missing\">image unavailable: {E(item.ImageError ?? "")}</div>";
            html.Append($"<figure>{picture}<figcaption>{E(item.Caption)}</figcaption></figure>");
        }
        html.Append("</div></section>\n");
    }

    private static void Errors(StringBuilder html, AuditSummary a)
    {
        html.Append("<section id=\"errors\"><h2>Item errors</h2>");
        if (a.ErrorsByStage.Count == 0)
        {
            html.Append("<p class=\"ok\">None.</p></section>\n");
            return;
        }
        html.Append("<table><tr><th>stage</th><th>items</th></tr>");
        foreach (var (stage, count) in a.ErrorsByStage.OrderBy(e => e.Key,
            StringComparer.Ordinal)) html.Append($"<tr><td>{E(stage)}</td><td>{count}</td></tr>");
        html.Append("</table><table><tr><th>item</th><th>stage</th><th>reason</th></tr>");
        foreach (var e in a.FirstErrors) html.Append($"<tr><td>{e.ItemNumber}</td><td>{E(e.Stage)}</td><td>{E(e.Message)}</td></tr>");
        html.Append("</table></section>\n");
    }

    private static void Row(StringBuilder html, string name, string value) => html.Append($"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>");

    /// <summary>A row whose value is HTML already (its text parts encoded by the caller).</summary>
    private static void MarkupRow(StringBuilder html, string name,
        string valueHtml) => html.Append($"<tr><th>{E(name)}</th><td>{valueHtml}</td></tr>");


    private const string Style = """
        body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
        table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}
        th{background:#f2f2f2}.warning{background:#fff3cd;border-left:4px solid #e0a800;padding:.5em}.ok{color:#2e7d32}
        .note{color:#666;font-size:.85em}.ci{color:#777;font-size:.8em}tr.stands-out td{background:#fff3cd}
        .gallery,.charts{display:flex;flex-wrap:wrap;gap:12px}
        figure{margin:0;width:180px}figure.chart{width:230px}figure img{width:160px;height:auto;image-rendering:auto;border:1px solid #ddd}
        figcaption{font-size:.75em;color:#444;word-break:break-all}.missing{width:160px;height:160px;background:#eee;font-size:.7em;overflow:hidden}
        """;

    private const string Script = """
        (function(){var errors=0;window.addEventListener('error',function(){errors++;document.body.dataset.scriptErrors=errors;});
        window.addEventListener('load',function(){var imgs=[].slice.call(document.images);
        var ok=imgs.filter(function(i){return i.complete&&i.naturalWidth>0;}).length;
        document.body.dataset.imagesLoaded=ok;document.body.dataset.imagesBroken=imgs.length-ok;document.body.dataset.scriptErrors=errors;
        document.body.dataset.ready='true';});})();
        """;
}
