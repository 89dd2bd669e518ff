using System.Globalization;

namespace Cam.Audit;

/// <summary>
/// <c>--fail-on</c> rules: <c>METRIC:LIMIT</c> fails when a method's overall change in the metric goes past the limit
/// (below it when negative, above it when positive: <c>pointing_game:-0.02</c>, <c>average_drop:0.05</c>),
/// <c>map_drift:LIMIT</c> when a method's mean map drift exceeds it, and <c>shortcut:new</c> when B has a shortcut A has not.
/// </summary>
public sealed record DiffGate(IReadOnlyList<(string Metric, double Limit)> Limits, bool FailOnNewShortcut)
{
    /// <summary>Metric names as rules and the JSON write them.</summary>
    public static readonly IReadOnlyList<string> Metrics =
        ["accuracy", "probability", "pointing_game", "energy_in_box", "average_drop", "increase_in_confidence", "deletion_area", "insertion_area"];

    public static DiffGate Parse(string? rules)
    {
        var limits = new List<(string, double)>();
        var shortcut = false;
        foreach (var rule in (rules ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = rule.Split(':', 2);
            if (parts.Length != 2) throw new ArgumentException($"--fail-on rule '{rule}' is not NAME:LIMIT");
            var (name, value) = (parts[0].Trim().ToLowerInvariant(), parts[1].Trim());
            if (name == "shortcut")
            {
                if (value != "new") throw new ArgumentException($"--fail-on '{rule}': the shortcut rule is shortcut:new");
                shortcut = true;
                continue;
            }
            if (!Metrics.Contains(name) && name != "map_drift")
                throw new ArgumentException($"--fail-on '{rule}': unknown name '{name}' (one of {string.Join(", ", Metrics)}, map_drift, shortcut)");
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var limit) || !double.IsFinite(limit) || limit == 0
                || (name == "map_drift" && limit < 0))
                throw new ArgumentException($"--fail-on '{rule}': the limit must be a non-zero number (positive for map_drift)");
            limits.Add((name, limit));
        }
        return new DiffGate(limits, shortcut);
    }

    /// <summary>Each rule the diff breaks, in words; empty when B passes.</summary>
    public IReadOnlyList<string> Failures(DiffSummary diff)
    {
        var failures = new List<string>();
        foreach (var (metric, limit) in Limits)
            foreach (var method in diff.Methods)
            {
                if (metric == "map_drift")
                {
                    if (method.Drift is { } drift && drift.Mean > limit) failures.Add($"{method.Method}: map drift {drift.Mean:F3} > {limit}");
                    continue;
                }
                if (method.Changes.FirstOrDefault(c => c.Metric == metric) is not { } change) continue;
                if (limit < 0 ? change.Delta < limit : change.Delta > limit)
                    failures.Add($"{method.Method}: {metric} changed by {change.Delta:+0.000;-0.000} ({change.A:F3} → {change.B:F3}), " +
                        $"past the limit {limit}");
            }
        if (FailOnNewShortcut)
            failures.AddRange(diff.Shortcuts.Where(s => s.Change == "new").Select(s => $"{s.Method}: new shortcut, '{s.Label}' in the {s.Region}"));
        return failures;
    }
}
