// The pages' files call E, F, Pct and Invariant unqualified.
global using static Cam.Audit.HtmlText;
using System.Globalization;
using System.Net;

namespace Cam.Audit;

/// <summary>
/// How the HTML pages (<see cref="HtmlReport"/>, <see cref="HtmlDiffReport"/>, <see cref="MethodFailures"/>) write
/// text: escaped, and numbers in the invariant culture with "–" for a missing value.
/// </summary>
internal static class HtmlText
{
    public static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Text escaped for HTML.</summary>
    public static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Three decimals, or "–".</summary>
    public static string F(double? value) => value is { } v ? v.ToString("F3", Invariant) : "–";

    /// <summary>A percentage with one decimal, or "–".</summary>
    public static string Pct(double? value) => value is { } v ? v.ToString("P1", Invariant) : "–";
}
