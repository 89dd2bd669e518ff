using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Cam.Scheduler.Pages;

/// <summary>
/// The pages' HTML: one layout, no script. Every string that comes from a job (paths, labels, meta, error messages,
/// method names) goes through <see cref="E"/>, which escapes it for text and for quoted attribute values alike.
/// </summary>
public static class PageHtml
{
    /// <summary>Seconds between the automatic reloads of a page that shows a running job.</summary>
    public const int RefreshSeconds = 2;

    /// <summary>No script at all, images only inline, forms only to this site, never framed.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static string Number(double value, string format = "0.#") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Duration(double? seconds) => seconds switch
    {
        null => "–",
        < 60 => $"{Number(seconds.Value, "0")} s",
        < 3600 => $"{Math.Floor(seconds.Value / 60):0} min {seconds.Value % 60:00} s",
        _ => $"{Math.Floor(seconds.Value / 3600):0} h {Math.Floor(seconds.Value % 3600 / 60):00} min",
    };

    /// <summary>A bar and its percentage; <paramref name="fraction"/> null while the total is still being counted.</summary>
    public static string ProgressBar(double? fraction)
    {
        if (fraction is null) return "<span class=\"muted\">counting items…</span>";
        var percent = Math.Clamp(fraction.Value * 100, 0, 100);
        var text = Number(Math.Floor(percent * 10) / 10);
        return $"<span class=\"bar\" role=\"progressbar\" aria-valuenow=\"{text}\" aria-valuemin=\"0\" aria-valuemax=\"100\">"
               + $"<span style=\"width:{Number(percent, "0.##")}%\"></span></span> <span class=\"percent\" data-percent=\"{text}\">{text} %</span>";
    }

    public static IResult Page(HttpContext context, string title, string body, bool refresh)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        if (refresh) html.Append($"<meta http-equiv=\"refresh\" content=\"{RefreshSeconds}\">");
        html.Append($"<title>{E(title)} · cam</title><style>{Style}</style></head><body>");
        html.Append("<header><a href=\"/\">cam</a> <span class=\"muted\">jobs</span></header><main>");
        html.Append(body);
        html.Append("</main></body></html>");
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private const string Style = """
        body{font:14px system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
        header{background:#1d2430;color:#fff;padding:10px 24px;font-weight:600}header a{color:#fff;text-decoration:none;margin-right:8px}
        main{padding:16px 24px;max-width:1200px}h1{font-size:20px;margin:8px 0 16px}h2{font-size:16px;margin:24px 0 8px}
        table{border-collapse:collapse;background:#fff;width:100%}
        th,td{padding:6px 10px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
        th{font-weight:600;background:#eef0f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
        .bar{display:inline-block;width:160px;height:10px;background:#e3e6ea;border-radius:5px;overflow:hidden;vertical-align:middle}
        .bar span{display:block;height:100%;background:#2f80ed}.muted{color:#6b7480}
        .state{padding:2px 8px;border-radius:10px;background:#e3e6ea}.state.running{background:#d6e8ff}.state.completed{background:#d5f5df}
        .state.failed,.state.cancelled{background:#fde0e0}.state.completed_with_errors{background:#fff1c9}
        code,.mono{font-family:ui-monospace,monospace;font-size:12px;overflow-wrap:anywhere}
        form{display:inline}button,input{font:inherit;padding:4px 10px}
        dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px}dt{color:#6b7480}
        """;
}
