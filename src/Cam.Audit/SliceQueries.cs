using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit;

/// <summary>A result with the value its item's meta holds under the slice key (null when the item has none).</summary>
public sealed class SlicedResult
{
    public ResultRow Row { get; init; } = null!;
    public string? Slice { get; init; }
}

/// <summary>
/// The audit's aggregates per value of one meta key: the same means as <see cref="AuditQueries"/>, grouped by the
/// database (GROUP BY over results joined with their items, the key read with <see cref="AuditSql.MetaValue"/>).
/// </summary>
public sealed class SliceQueries(CamDbContext db, Guid jobId, string key)
{
    public string Key { get; } = AuditSql.IsValidMetaKey(key) ? key
        : throw new ArgumentException($"meta key '{key}' is not a plain name (letters, digits, '_', '-', '.', space; at most 64)");

    private IQueryable<SlicedResult> Primary(string method, string layer) =>
        db.Results.AsNoTracking().Where(r => r.JobId == jobId && r.ClassRank == 0 && r.Method == method && r.Layer == layer)
            .Join(db.Items, r => new { r.JobId, Number = r.ItemNumber }, i => new { i.JobId, i.Number },
                (r, i) => new SlicedResult { Row = r, Slice = AuditSql.MetaValue(i.Meta, Key) });

    public async Task<IReadOnlyList<(string? Slice, MethodSummary Summary)>> MethodsAsync(string method, string layer, CancellationToken ct)
    {
        var rows = await Primary(method, layer).GroupBy(x => x.Slice).Select(g => new
        {
            Slice = g.Key,
            Maps = g.LongCount(),
            Probability = g.Average(x => (double)x.Row.Probability),
            Energy = g.Average(x => (double)x.Row.Energy),
            Pointed = g.Count(x => x.Row.PointingHit != null),
            Hits = g.Count(x => x.Row.PointingHit == true),
            InBox = g.Average(x => (double?)x.Row.EnergyInBox),
            Drop = g.Average(x => (double?)x.Row.AverageDrop),
            Increases = g.Count(x => x.Row.IncreaseInConfidence == true),
            WithMetrics = g.Count(x => x.Row.IncreaseInConfidence != null),
            Deletion = g.Average(x => (double?)x.Row.DeletionArea),
            Insertion = g.Average(x => (double?)x.Row.InsertionArea),
        }).ToListAsync(ct);
        return rows.OrderBy(r => r.Slice, StringComparer.Ordinal).Select(r => (r.Slice, new MethodSummary(method, layer, r.Maps, r.Probability,
            r.Energy,
            Rate(r.Hits, r.Pointed), r.InBox, r.Drop, Rate(r.Increases, r.WithMetrics), r.Deletion, r.Insertion))).ToList();
    }

    public async Task<IReadOnlyList<(string? Slice, ClassSummary Summary)>> ClassesAsync(string method, string layer, IReadOnlyList<string> labels,
        CancellationToken ct)
    {
        var rows = await Primary(method, layer).GroupBy(x => new { x.Slice, x.Row.ClassIndex }).Select(g => new
        {
            g.Key.Slice,
            Class = g.Key.ClassIndex,
            Maps = g.LongCount(),
            Probability = g.Average(x => (double)x.Row.Probability),
            Pointed = g.Count(x => x.Row.PointingHit != null),
            Hits = g.Count(x => x.Row.PointingHit == true),
            InBox = g.Average(x => (double?)x.Row.EnergyInBox),
            Drop = g.Average(x => (double?)x.Row.AverageDrop),
            Deletion = g.Average(x => (double?)x.Row.DeletionArea),
            Insertion = g.Average(x => (double?)x.Row.InsertionArea),
        }).ToListAsync(ct);
        var accuracy = await Primary(method, layer).Where(x => x.Row.LabelClass != null)
            .GroupBy(x => new { x.Slice, Class = x.Row.LabelClass!.Value })
            .Select(g => new
            {
                g.Key.Slice, g.Key.Class, Items = g.LongCount(),
                Correct = g.LongCount(x => x.Row.PredictedClass == x.Row.LabelClass),
            })
            .ToListAsync(ct);
        var keys = rows.Select(r => (r.Slice, r.Class)).Union(accuracy.Select(a => (a.Slice, a.Class)))
            .OrderBy(k => k.Slice, StringComparer.Ordinal).ThenBy(k => k.Class);
        return keys.Select(k =>
        {
            var r = rows.FirstOrDefault(x => x.Slice == k.Slice && x.Class == k.Class);
            var a = accuracy.FirstOrDefault(x => x.Slice == k.Slice && x.Class == k.Class);
            return (k.Slice, new ClassSummary(method, k.Class, AuditQueries.LabelOf(labels, k.Class), r?.Maps ?? 0, r?.Probability ?? 0,
                r is null ? null : Rate(r.Hits, r.Pointed), r?.InBox, r?.Drop, r?.Deletion, r?.Insertion, a?.Items ?? 0,
                a is null ? null : (double)a.Correct / a.Items));
        }).ToList();
    }

    /// <summary>Top-1 accuracy per slice over its labelled items.</summary>
    public async Task<IReadOnlyDictionary<string, (double Accuracy, long Labelled)>> AccuracyAsync(string method, string layer, CancellationToken ct)
    {
        var rows = await Primary(method, layer).Where(x => x.Row.LabelClass != null).GroupBy(x => x.Slice)
            .Select(g => new { Slice = g.Key, Items = g.LongCount(), Correct = g.LongCount(x => x.Row.PredictedClass == x.Row.LabelClass) })
            .ToListAsync(ct);
        return rows.ToDictionary(r => SliceAudit.Name(r.Slice), r => ((double)r.Correct / r.Items, r.Items));
    }

    /// <summary>The explained class's maps with their slice, streamed (for mean maps and shortcuts per slice).</summary>
    public IAsyncEnumerable<SlicedResult> StreamPrimary(string method, string layer) =>
        db.Results.AsNoTracking().Where(r => r.JobId == jobId && r.ClassRank == 0 && r.Method == method && r.Layer == layer)
            .Join(db.Items, r => new { r.JobId, Number = r.ItemNumber }, i => new { i.JobId, i.Number }, (r, i) => new { r, i })
            .OrderBy(x => x.r.Id).Select(x => new SlicedResult { Row = x.r, Slice = AuditSql.MetaValue(x.i.Meta, Key) }).AsAsyncEnumerable();

    private static double? Rate(long hits, long total) => total == 0 ? null : (double)hits / total;
}
