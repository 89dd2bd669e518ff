using System.Text;

namespace Cam.Audit;

public static partial class HtmlReport
{
    /// <summary>The header of a table of <see cref="MethodRow"/>s: the Methods section's and each slice's.</summary>
    private const string MethodColumns = "<tr><th>method</th><th>layer</th><th>maps</th><th>mean probability</th>" +
        "<th>pointing game</th><th>energy in box</th><th>average drop</th><th>increase in confidence</th>" +
        "<th>deletion area ↓</th><th>insertion area ↑</th></tr>";

    /// <summary>The header of a table of <see cref="ClassRow"/>s: the Per class section's and each slice's.</summary>
    private const string ClassColumns = "<tr><th>method</th><th>class</th><th>maps</th><th>labelled items</th>" +
        "<th>accuracy</th><th>mean probability</th><th>pointing game</th><th>energy in box</th><th>average drop</th>" +
        "<th>deletion</th><th>insertion</th></tr>";

    /// <summary>A table: <paramref name="header"/>, then a row per item written by <paramref name="row"/>.</summary>
    private static void Table<T>(StringBuilder html, string header, IEnumerable<T> items, Action<StringBuilder, T> row)
    {
        html.Append("<table>").Append(header);
        foreach (var item in items) row(html, item);
        html.Append("</table>");
    }

    private static void MethodRow(StringBuilder html, MethodSummary m)
    {
        string P(double? v, string name) => Pct(v) + Ci(m.Intervals.GetValueOrDefault(name), pct: true);
        string N(double? v, string name) => F(v) + Ci(m.Intervals.GetValueOrDefault(name), pct: false);
        html.Append($"<tr><td>{E(m.Method)}</td><td>{E(m.Layer)}</td><td>{m.Maps}</td><td>{N(m.MeanProbability, "meanProbability")}</td>" +
            $"<td>{P(m.PointingGame, "pointingGame")}</td><td>{P(m.EnergyInBox, "energyInBox")}</td><td>{P(m.AverageDrop, "averageDrop")}</td>" +
            $"<td>{P(m.IncreaseInConfidence, "increaseInConfidence")}</td><td>{N(m.DeletionArea, "deletionArea")}</td>" +
            $"<td>{N(m.InsertionArea, "insertionArea")}</td></tr>");
    }

    private static void ClassRow(StringBuilder html, ClassSummary c)
    {
        string P(double? v, string name) => Pct(v) + Ci(c.Intervals.GetValueOrDefault(name), pct: true);
        string N(double? v, string name) => F(v) + Ci(c.Intervals.GetValueOrDefault(name), pct: false);
        html.Append($"<tr><td>{E(c.Method)}</td><td>{E(c.Label)}</td><td>{c.Maps}</td><td>{c.LabelledItems}</td>" +
            $"<td>{P(c.Accuracy, "accuracy")}</td><td>{N(c.MeanProbability, "meanProbability")}</td><td>{P(c.PointingGame, "pointingGame")}</td>" +
            $"<td>{P(c.EnergyInBox, "energyInBox")}</td><td>{P(c.AverageDrop, "averageDrop")}</td><td>{N(c.DeletionArea, "deletionArea")}</td>" +
            $"<td>{N(c.InsertionArea, "insertionArea")}</td></tr>");
    }

    /// <summary>A 95% interval as a small bracket after its value, or nothing.</summary>
    private static string Ci(Interval? interval, bool pct) => interval is null ? ""
        : pct ? $" <span class=\"ci\">[{Pct(interval.Low)}, {Pct(interval.High)}]</span>"
        : $" <span class=\"ci\">[{F(interval.Low)}, {F(interval.High)}]</span>";
}
