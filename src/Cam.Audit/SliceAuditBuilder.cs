namespace Cam.Audit;

/// <summary>
/// Assembles the audit per slice: the aggregates the database grouped by slice, intervals from the per-item values,
/// the mean maps and findings of each slice, and why a slice stands out from the rest.
/// </summary>
public static class SliceAuditBuilder
{
    /// <summary>Means compared between a slice and the rest, by their JSON names.</summary>
    private static readonly string[] Compared = ["pointingGame", "energyInBox", "averageDrop", "deletionArea", "insertionArea"];

    public static async Task<SliceAudit> BuildAsync(SliceQueries queries, IReadOnlyList<(string Method, string Layer)> primary,
        IReadOnlyList<string> labels,
        IReadOnlyDictionary<string, IReadOnlyList<ItemValue>> valuesByMethod, IReadOnlyDictionary<string, IReadOnlyDictionary<string,
            MapFindings>> mapsByMethod,
        CancellationToken ct)
    {
        var methods = new List<(string Slice, MethodSummary Summary)>();
        var classes = new List<(string Slice, ClassSummary Summary)>();
        IReadOnlyDictionary<string, (double Accuracy, long Labelled)> accuracy = new Dictionary<string, (double, long)>();
        foreach (var (method, layer) in primary)
        {
            var values = valuesByMethod[method];
            foreach (var (slice, summary) in await queries.MethodsAsync(method, layer, ct))
            {
                var name = SliceAudit.Name(slice);
                methods.Add((name, summary with
                {
                    Intervals = ItemValues.MetricIntervals(values.Where(v => SliceAudit.Name(v.Slice) == name).ToList())
                }));
            }
            foreach (var (slice, summary) in await queries.ClassesAsync(method, layer, labels, ct))
            {
                var name = SliceAudit.Name(slice);
                var inSlice = values.Where(v => SliceAudit.Name(v.Slice) == name).ToList();
                classes.Add((name, summary with { Intervals = AuditBuilder.ClassIntervals(inSlice, summary.ClassIndex) }));
            }
            if (method == primary[0].Method) accuracy = await queries.AccuracyAsync(method, layer, ct);
        }

        var first = valuesByMethod[primary[0].Method];
        var names = methods.Select(m => m.Slice).Distinct().Order(StringComparer.Ordinal).ToList();
        var slices = names.Select(name =>
        {
            var findings = mapsByMethod.Values.SelectMany(m => m.GetValueOrDefault(name)?.Findings ?? []).ToList();
            var meanMaps = mapsByMethod.Values.SelectMany(m => m.GetValueOrDefault(name)?.MeanMaps ?? []).ToList();
            var (acc, labelled) = accuracy.TryGetValue(name, out var a) ? a : (double.NaN, 0L);
            return new Slice(name, first.LongCount(v => SliceAudit.Name(v.Slice) == name), labelled > 0 ? acc : null, labelled,
                ItemValues.AccuracyInterval(first.Where(v => SliceAudit.Name(v.Slice) == name)),
                methods.Where(m => m.Slice == name).Select(m => m.Summary).ToList(),
                    classes.Where(c => c.Slice == name).Select(c => c.Summary).ToList(),
                findings, meanMaps, StandsOut(name, findings, valuesByMethod));
        }).ToList();
        return new SliceAudit(queries.Key, slices);
    }

    /// <summary>
    /// Why a slice differs from the rest of the job: a shortcut found in it, or a mean (accuracy, pointing game,
    /// energy in box, …) whose 95% interval in the slice does not meet its interval over the other slices' items.
    /// </summary>
    private static List<string> StandsOut(string name, IReadOnlyList<ShortcutFinding> findings, IReadOnlyDictionary<string,
        IReadOnlyList<ItemValue>> valuesByMethod)
    {
        var reasons = findings.Where(f => f.Suspicious).Select(f => $"shortcut ({f.Method}): {f.Message}").ToList();
        foreach (var (method, values) in valuesByMethod)
        {
            var inSlice = values.Where(v => SliceAudit.Name(v.Slice) == name).ToList();
            var rest = values.Where(v => SliceAudit.Name(v.Slice) != name).ToList();
            if (rest.Count == 0) continue;
            if (method == valuesByMethod.Keys.First() && Apart(ItemValues.AccuracyInterval(inSlice),
                ItemValues.AccuracyInterval(rest)) is { } accuracy)
                reasons.Add($"accuracy {accuracy}");
            var mine = ItemValues.MetricIntervals(inSlice);
            var theirs = ItemValues.MetricIntervals(rest);
            foreach (var metric in Compared)
                if (Apart(mine.GetValueOrDefault(metric),
                    theirs.GetValueOrDefault(metric)) is { } text) reasons.Add($"{method} {Words(metric)} {text}");
        }
        return reasons;
    }

    private static string? Apart(Interval? slice, Interval? rest) =>
        slice is null || rest is null || (slice.High >= rest.Low && rest.High >= slice.Low) ? null
            : $"{slice.Low:P0}–{slice.High:P0} here, {rest.Low:P0}–{rest.High:P0} in the rest (95% intervals)";

    private static string Words(string metric) => string.Concat(metric.Select(c => char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
}
