using Cam.Storage.Entities;

namespace Cam.Audit;

/// <summary>Mean maps and shortcut findings of one method, for the whole job or for one slice.</summary>
public sealed record MapFindings(IReadOnlyList<ShortcutFinding> Findings, IReadOnlyList<ClassMeanMap> MeanMaps);

/// <summary>
/// Mean maps and shortcuts of one method's maps, for the whole job and for each slice, from one stream over the
/// maps; a second stream, only when some class looks suspicious, collects the per-map shares its intervals need.
/// </summary>
public static class MapAudit
{
    /// <param name="maps">The method's maps with their slice name (null when the audit is not sliced); called once or twice.</param>
    /// <param name="inBox">Energy in box per class, for the whole job and (by slice name) per slice.</param>
    public static async Task<(MapFindings All, IReadOnlyDictionary<string, MapFindings> BySlice)> RunAsync(string method,
        Func<IAsyncEnumerable<(string? Slice, ResultRow Row)>> maps, IReadOnlyList<string> labels, IReadOnlyDictionary<int, double?> inBox,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, double?>> inBoxBySlice, Action? onMap, CancellationToken ct)
    {
        var all = new ClassMapAccumulator();
        var slices = new SortedDictionary<string, ClassMapAccumulator>(StringComparer.Ordinal);
        await foreach (var (slice, r) in maps().WithCancellation(ct))
        {
            var values = r.MapValues();
            all.Add(r.ClassIndex, values, r.MapHeight, r.MapWidth, r.PeakY, r.PeakX);
            if (slice is not null)
            {
                if (!slices.TryGetValue(slice, out var accumulator)) slices[slice] = accumulator = new ClassMapAccumulator();
                accumulator.Add(r.ClassIndex, values, r.MapHeight, r.MapWidth, r.PeakY, r.PeakX);
            }
            onMap?.Invoke();
        }

        var found = new List<(string? Slice, ShortcutFinding Finding)>();
        found.AddRange(ShortcutFinder.Find(method, all, labels, inBox).Select(f => ((string?)null, f)));
        foreach (var (slice, accumulator) in slices)
            found.AddRange(ShortcutFinder.Find(method, accumulator, labels, inBoxBySlice.GetValueOrDefault(slice) ?? new Dictionary<int, double?>())
                .Select(f => ((string?)slice, f)));

        var candidates = found.Where(f => f.Finding.Suspicious).ToList();
        if (candidates.Count > 0)
        {
            var shares = new RegionShares(candidates);
            await foreach (var (slice, r) in maps().WithCancellation(ct))
            {
                if (r.MapHeight != all.Height || r.MapWidth != all.Width) continue;
                shares.Add(slice, r.ClassIndex, r.MapValues(), r.MapHeight, r.MapWidth);
            }
            var confirmed = shares.Confirmed().ToList();
            found = found.Select(f => f.Finding.Suspicious ? confirmed.First(c => c.Slice == f.Slice
                && c.Finding.ClassIndex == f.Finding.ClassIndex) : f).ToList();
        }

        MapFindings Of(string? slice, ClassMapAccumulator accumulator) => new(
            found.Where(f => f.Slice == slice).Select(f => f.Finding).ToList(),
            accumulator.Classes.Select(c => new ClassMeanMap(method, c, AuditQueries.LabelOf(labels, c), accumulator.Height, accumulator.Width,
                accumulator.MeanMap(c), accumulator.Count(c))).ToList());
        return (Of(null, all), slices.ToDictionary(s => s.Key, s => Of(s.Key, s.Value), StringComparer.Ordinal));
    }
}
