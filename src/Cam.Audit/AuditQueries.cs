using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit;

/// <summary>
/// The audit's aggregates, computed by the database (GROUP BY over the results table, on PostgreSQL and SQLite alike)
/// over the maps of the explained class (rank 0) at each method's primary layer.
/// </summary>
public sealed class AuditQueries(CamDbContext db, Guid jobId)
{
    public const int HistogramBins = 10;

    private IQueryable<ResultRow> Primary(string method, string layer) =>
        db.Results.AsNoTracking().Where(r => r.JobId == jobId && r.ClassRank == 0 && r.Method == method && r.Layer == layer);

    /// <summary>Each method's primary layer: "fused" when several layers were hooked, else the only one (the first by name).</summary>
    public async Task<IReadOnlyList<(string Method, string Layer)>> PrimaryLayersAsync(CancellationToken ct)
    {
        var pairs = await db.Results.AsNoTracking().Where(r => r.JobId == jobId && r.ClassRank == 0)
            .Select(r => new { r.Method, r.Layer }).Distinct().ToListAsync(ct);
        return pairs.GroupBy(p => p.Method).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Any(p => p.Layer == LayerNames.Fused) ? LayerNames.Fused : g.Select(p => p.Layer).OrderBy(l => l,
                StringComparer.Ordinal).First()))
            .ToList();
    }

    public async Task<MethodSummary> MethodAsync(string method, string layer, CancellationToken ct)
    {
        var row = await Primary(method, layer).GroupBy(r => 1).Select(g => new
        {
            Maps = g.LongCount(),
            Probability = g.Average(r => (double)r.Probability),
            Energy = g.Average(r => (double)r.Energy),
            Pointed = g.Count(r => r.PointingHit != null),
            Hits = g.Count(r => r.PointingHit == true),
            InBox = g.Average(r => (double?)r.EnergyInBox),
            Drop = g.Average(r => (double?)r.AverageDrop),
            Increases = g.Count(r => r.IncreaseInConfidence == true),
            WithMetrics = g.Count(r => r.IncreaseInConfidence != null),
            Deletion = g.Average(r => (double?)r.DeletionArea),
            Insertion = g.Average(r => (double?)r.InsertionArea),
        }).SingleAsync(ct);
        return new MethodSummary(method, layer, row.Maps, row.Probability, row.Energy, Rate(row.Hits, row.Pointed), row.InBox, row.Drop,
            Rate(row.Increases, row.WithMetrics), row.Deletion, row.Insertion);
    }

    public async Task<IReadOnlyList<ClassSummary>> ClassesAsync(string method, string layer, IReadOnlyList<string> labels, CancellationToken ct)
    {
        var rows = await Primary(method, layer).GroupBy(r => r.ClassIndex).Select(g => new
        {
            Class = g.Key,
            Maps = g.LongCount(),
            Probability = g.Average(r => (double)r.Probability),
            Pointed = g.Count(r => r.PointingHit != null),
            Hits = g.Count(r => r.PointingHit == true),
            InBox = g.Average(r => (double?)r.EnergyInBox),
            Drop = g.Average(r => (double?)r.AverageDrop),
            Deletion = g.Average(r => (double?)r.DeletionArea),
            Insertion = g.Average(r => (double?)r.InsertionArea),
        }).ToListAsync(ct);
        var accuracy = await Primary(method, layer).Where(r => r.LabelClass != null).GroupBy(r => r.LabelClass!.Value)
            .Select(g => new { Class = g.Key, Items = g.LongCount(), Correct = g.LongCount(r => r.PredictedClass == r.LabelClass) })
            .ToDictionaryAsync(a => a.Class, ct);
        var classes = rows.Select(r => r.Class).Union(accuracy.Keys).Order();
        return classes.Select(c =>
        {
            var r = rows.FirstOrDefault(x => x.Class == c);
            var a = accuracy.GetValueOrDefault(c);
            return new ClassSummary(method, c, LabelOf(labels, c), r?.Maps ?? 0, r?.Probability ?? 0, r is null ? null : Rate(r.Hits, r.Pointed),
                r?.InBox, r?.Drop, r?.Deletion, r?.Insertion, a?.Items ?? 0, a is null ? null : (double)a.Correct / a.Items);
        }).ToList();
    }

    /// <summary>Top-1 accuracy over labelled items (one row per item: the method's primary layer's rank-0 map).</summary>
    public async Task<(double? Accuracy, long Labelled)> AccuracyAsync(string method, string layer, CancellationToken ct)
    {
        var row = await Primary(method, layer).Where(r => r.LabelClass != null).GroupBy(r => 1)
            .Select(g => new { Items = g.LongCount(), Correct = g.LongCount(r => r.PredictedClass == r.LabelClass) }).SingleOrDefaultAsync(ct);
        return row is null ? (null, 0) : ((double)row.Correct / row.Items, row.Items);
    }

    /// <summary>Histograms over [0, 1] of every metric that has values, bucketed by the database.</summary>
    public async Task<IReadOnlyList<MetricDistribution>> DistributionsAsync(string method, string layer, CancellationToken ct)
    {
        var q = Primary(method, layer);
        var result = new List<MetricDistribution>();
        async Task Add(string metric, IQueryable<float?> values)
        {
            var buckets = await values.Where(v => v != null).GroupBy(v => (int)Math.Floor(v!.Value * HistogramBins))
                .Select(g => new { g.Key, Count = g.LongCount() })
                .ToListAsync(ct);
            if (buckets.Count == 0) return;
            var counts = new long[HistogramBins];
            foreach (var b in buckets) counts[Math.Clamp(b.Key, 0, HistogramBins - 1)] += b.Count;
            result.Add(new MetricDistribution(method, metric, counts));
        }
        await Add("probability", q.Select(r => (float?)r.Probability));
        await Add("energy_in_box", q.Select(r => r.EnergyInBox));
        await Add("average_drop", q.Select(r => r.AverageDrop));
        await Add("deletion_area", q.Select(r => r.DeletionArea));
        await Add("insertion_area", q.Select(r => r.InsertionArea));
        return result;
    }

    /// <summary>Maps at the ends of an ordering: with boxes by the energy inside them, else by the class's probability.</summary>
    public async Task<IReadOnlyList<ResultRow>> ExtremesAsync(string method, string layer, bool best, int count, CancellationToken ct)
    {
        var q = Primary(method, layer);
        var hasBoxes = await q.AnyAsync(r => r.EnergyInBox != null, ct);
        if (hasBoxes)
        {
            q = q.Where(r => r.EnergyInBox != null);
            q = best ? q.OrderByDescending(r => r.EnergyInBox).ThenBy(r => r.ItemNumber) : q.OrderBy(r => r.EnergyInBox).ThenBy(r => r.ItemNumber);
        }
        else
        {
            q = best ? q.OrderByDescending(r => r.Probability).ThenBy(r => r.ItemNumber) : q.OrderBy(r => r.Probability).ThenBy(r => r.ItemNumber);
        }
        return await q.Take(count).ToListAsync(ct);
    }

    /// <summary>Maps of a class whose peak lies within one cell of (<paramref name="y"/>, <paramref name="x"/>), most confident first.</summary>
    public async Task<IReadOnlyList<ResultRow>> PeakingNearAsync(string method, string layer, int classIndex, int y, int x, int count,
        CancellationToken ct) =>
        await Primary(method, layer).Where(r => r.ClassIndex == classIndex && r.PeakY >= y - 1 && r.PeakY <= y + 1 && r.PeakX >= x - 1
            && r.PeakX <= x + 1)
            .OrderByDescending(r => r.Probability).ThenBy(r => r.ItemNumber).Take(count).ToListAsync(ct);

    /// <summary>Confident maps whose peak misses the object: the model is sure while looking elsewhere.</summary>
    public async Task<IReadOnlyList<ResultRow>> ConfidentMissesAsync(string method, string layer, int count, CancellationToken ct) =>
        await Primary(method, layer).Where(r => r.PointingHit == false).OrderByDescending(r => r.Probability).ThenBy(r => r.ItemNumber)
            .Take(count).ToListAsync(ct);

    /// <summary>Rows per page of <see cref="StreamPrimary"/>.</summary>
    public const int StreamPage = 5000;

    /// <summary>
    /// The explained class's maps at a layer, streamed (for mean maps: the values are blobs SQL cannot average) in
    /// pages (<see cref="ResultPages"/>). One query over the whole job would not stream: the retrying execution
    /// strategy buffers a query's whole result, which for millions of maps is gigabytes.
    /// </summary>
    public async IAsyncEnumerable<ResultRow> StreamPrimary(string method, string layer,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var page in ResultPages.ReadAsync(db, Primary(method, layer), r => r, r => r.Id, StreamPage, ct))
            foreach (var row in page) yield return row;
    }

    public Task<long> CountPrimaryAsync(string method, string layer, CancellationToken ct) => Primary(method, layer).LongCountAsync(ct);

    public async Task<Dictionary<long, string>> ItemPathsAsync(IEnumerable<long> items, CancellationToken ct)
    {
        var wanted = items.Distinct().ToList();
        return await db.Items.AsNoTracking().Where(i => i.JobId == jobId && wanted.Contains(i.Number)).ToDictionaryAsync(i => i.Number, i => i.Path,
            ct);
    }

    public async Task<(Dictionary<string, long> ByStage, List<ItemError> First)> ErrorsAsync(int first, CancellationToken ct)
    {
        var byStage = await db.ItemErrors.AsNoTracking().Where(e => e.JobId == jobId).GroupBy(e => e.Stage)
            .Select(g => new { g.Key, Count = g.LongCount() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var firstErrors = await db.ItemErrors.AsNoTracking().Where(e => e.JobId == jobId).OrderBy(e => e.Id).Take(first)
            .Select(e => new ItemError(e.ItemNumber, e.Stage, e.Message)).ToListAsync(ct);
        return (byStage, firstErrors);
    }

    internal static string LabelOf(IReadOnlyList<string> labels, int index) => index >= 0 && index < labels.Count ? labels[index] : $"class {index}";

    private static double? Rate(long hits, long total) => total == 0 ? null : (double)hits / total;
}
