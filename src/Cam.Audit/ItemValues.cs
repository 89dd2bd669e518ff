using Cam.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit;

/// <summary>One item's values behind the audit's aggregates (the explained class's map at a method's primary layer), without the map.</summary>
public sealed record ItemValue(
    long Item,
    int ClassIndex,
    float Probability,
    float Energy,
    bool? PointingHit,
    float? EnergyInBox,
    float? AverageDrop,
    bool? IncreaseInConfidence,
    float? DeletionArea,
    float? InsertionArea,
    int PredictedClass,
    int? LabelClass,
    string? Slice);

/// <summary>Reads the per-item values that the bootstrap resamples: the same rows the SQL aggregates average, one per item.</summary>
public static class ItemValues
{
    public static async Task<IReadOnlyList<ItemValue>> ReadAsync(CamDbContext db, Guid jobId, string method, string layer, string? sliceKey,
        CancellationToken ct)
    {
        var results = db.Results.AsNoTracking().Where(r => r.JobId == jobId && r.ClassRank == 0 && r.Method == method && r.Layer == layer);
        var rows = sliceKey is null
            ? results.Select(r => new ItemValue(r.ItemNumber, r.ClassIndex, r.Probability, r.Energy, r.PointingHit, r.EnergyInBox, r.AverageDrop,
                r.IncreaseInConfidence, r.DeletionArea, r.InsertionArea, r.PredictedClass, r.LabelClass, null))
            : results.Join(db.Items, r => new { r.JobId, Number = r.ItemNumber }, i => new { i.JobId, i.Number }, (r, i) =>
                new ItemValue(r.ItemNumber, r.ClassIndex, r.Probability, r.Energy, r.PointingHit, r.EnergyInBox, r.AverageDrop,
                    r.IncreaseInConfidence, r.DeletionArea, r.InsertionArea, r.PredictedClass, r.LabelClass, AuditSql.MetaValue(i.Meta, sliceKey)));
        return (await rows.ToListAsync(ct)).OrderBy(v => v.Item).ToList();
    }

    /// <summary>95% intervals of each mean in <see cref="MethodSummary"/> / <see cref="ClassSummary"/>, keyed by its JSON name.</summary>
    public static IReadOnlyDictionary<string, Interval> MetricIntervals(IReadOnlyCollection<ItemValue> rows)
    {
        var intervals = new Dictionary<string, Interval>();
        void Add(string name, IEnumerable<double> values)
        {
            if (Bootstrap.Mean(values.ToArray()) is { } interval) intervals[name] = interval;
        }
        Add("meanProbability", rows.Select(r => (double)r.Probability));
        Add("meanEnergy", rows.Select(r => (double)r.Energy));
        Add("pointingGame", rows.Where(r => r.PointingHit is not null).Select(r => r.PointingHit!.Value ? 1.0 : 0.0));
        Add("energyInBox", rows.Where(r => r.EnergyInBox is not null).Select(r => (double)r.EnergyInBox!.Value));
        Add("averageDrop", rows.Where(r => r.AverageDrop is not null).Select(r => (double)r.AverageDrop!.Value));
        Add("increaseInConfidence", rows.Where(r => r.IncreaseInConfidence is not null).Select(r => r.IncreaseInConfidence!.Value ? 1.0 : 0.0));
        Add("deletionArea", rows.Where(r => r.DeletionArea is not null).Select(r => (double)r.DeletionArea!.Value));
        Add("insertionArea", rows.Where(r => r.InsertionArea is not null).Select(r => (double)r.InsertionArea!.Value));
        return intervals;
    }

    /// <summary>The interval of top-1 accuracy over the labelled rows among <paramref name="rows"/>.</summary>
    public static Interval? AccuracyInterval(IEnumerable<ItemValue> rows) =>
        Bootstrap.Mean(rows.Where(r => r.LabelClass is not null).Select(r => r.PredictedClass == r.LabelClass ? 1.0 : 0.0).ToArray());
}
