using Cam.Specs;
using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit;

/// <summary>
/// Compares two jobs over the same dataset: per-item values from each database (paired by item number), paired
/// bootstrap intervals and t statistics of each change, map drift from one merged stream over both jobs' maps, and
/// each job's shortcut findings.
/// </summary>
public sealed class DiffBuilder(CamDbContext dbA, CamDbContext dbB, string modelRoot)
{
    private static readonly (string Name, Func<ItemValue, double?> Value)[] Metrics =
    [
        ("accuracy", v => v.LabelClass is null ? null : v.PredictedClass == v.LabelClass ? 1 : 0),
        ("probability", v => v.Probability),
        ("pointing_game", v => v.PointingHit is { } hit ? hit ? 1 : 0 : null),
        ("energy_in_box", v => v.EnergyInBox),
        ("average_drop", v => v.AverageDrop),
        ("increase_in_confidence", v => v.IncreaseInConfidence is { } up ? up ? 1 : 0 : null),
        ("deletion_area", v => v.DeletionArea),
        ("insertion_area", v => v.InsertionArea),
    ];

    public Task<DiffSummary> BuildAsync(Guid jobA, Guid jobB, DiffGate gate, CancellationToken ct = default) => BuildAsync(jobA, jobB, gate, null,
        ct);

    /// <summary>
    /// The diff of every method the jobs share, or with <paramref name="methods"/> of method A in job A against method B
    /// in job B (two methods of one job, or of two): the same figures, under the name "A vs B".
    /// </summary>
    public async Task<DiffSummary> BuildAsync(Guid jobA, Guid jobB, DiffGate gate, (string A, string B)? methods, CancellationToken ct = default)
    {
        var (specA, specB) = (await SpecAsync(dbA, jobA, ct), await SpecAsync(dbB, jobB, ct));
        var (datasetA, datasetB) = (specA.Dataset, specB.Dataset);
        if (datasetA != datasetB)
            throw new ArgumentException($"the jobs explain different datasets ('{datasetA}' and '{datasetB}'): a diff pairs the " +
                "items of one dataset");
        var (modelA, modelB) = (specA.Model, specB.Model);
        var labels = Labels(modelA) ?? Labels(modelB) ?? [];

        var primaryA = (await new AuditQueries(dbA, jobA).PrimaryLayersAsync(ct)).ToDictionary(p => p.Method, p => p.Layer);
        var primaryB = (await new AuditQueries(dbB, jobB).PrimaryLayersAsync(ct)).ToDictionary(p => p.Method, p => p.Layer);
        var compared = methods is var (a, b)
            ? [(Name: $"{a} vs {b}", A: a, LayerA: primaryA.GetValueOrDefault(a)
                ?? throw new ArgumentException($"job A has no results of method '{a}'"),
                B: b, LayerB: primaryB.GetValueOrDefault(b) ?? throw new ArgumentException($"job B has no results of method '{b}'"))]
            : primaryA.Where(p => primaryB.ContainsKey(p.Key)).Select(p => (Name: p.Key, A: p.Key, LayerA: p.Value, B: p.Key,
                LayerB: primaryB[p.Key])).ToList();
        if (compared.Count == 0) throw new ArgumentException("the jobs share no method: nothing to compare");

        var diffs = new List<MethodDiff>();
        var shortcuts = new List<ShortcutChange>();
        foreach (var (name, methodA, layerA, methodB, layerB) in compared)
        {
            var valuesB = (await ItemValues.ReadAsync(dbB, jobB, methodB, layerB, null, ct)).ToDictionary(v => v.Item);
            var pairs = (await ItemValues.ReadAsync(dbA, jobA, methodA, layerA, null, ct))
                .Where(v => valuesB.ContainsKey(v.Item)).Select(v => (A: v, B: valuesB[v.Item])).ToList();
            var drift = await DriftAsync(jobA, jobB, (methodA, layerA), (methodB, layerB), ct);
            var classes = pairs.GroupBy(p => p.A.LabelClass ?? p.A.ClassIndex).OrderBy(g => g.Key)
                .Select(g => new ClassDiff(g.Key, AuditQueries.LabelOf(labels, g.Key), g.LongCount(), Changes(g.ToList()),
                    Drift(g.Select(p => p.A.Item), drift))).ToList();
            diffs.Add(new MethodDiff(name, layerA, layerB, pairs.Count, Changes(pairs), Drift(pairs.Select(p => p.A.Item), drift), classes));
            shortcuts.AddRange(Compare(name, await FindingsAsync(dbA, jobA, methodA, layerA, labels, ct),
                await FindingsAsync(dbB, jobB, methodB, layerB, labels, ct)));
        }
        var diff = new DiffSummary
        {
            JobA = jobA, JobB = jobB, ModelA = modelA, ModelB = modelB, Dataset = datasetA, Methods = diffs, Shortcuts = shortcuts
        };
        return diff with { GateFailures = gate.Failures(diff) };
    }

    /// <summary>Each metric's change over the pairs that have it in both jobs.</summary>
    private static List<MetricChange> Changes(IReadOnlyList<(ItemValue A, ItemValue B)> pairs)
    {
        var changes = new List<MetricChange>();
        foreach (var (name, value) in Metrics)
        {
            var both = pairs.Select(p => (A: value(p.A), B: value(p.B))).Where(p => p.A is not null && p.B is not null)
                .Select(p => (A: p.A!.Value, B: p.B!.Value)).ToList();
            if (both.Count == 0) continue;
            var a = both.Select(p => p.A).ToArray();
            var b = both.Select(p => p.B).ToArray();
            changes.Add(new MetricChange(name, both.Count, a.Average(), b.Average(), b.Average() - a.Average(), Bootstrap.PairedDifference(b, a),
                PairedT(b, a)));
        }
        return changes;
    }

    /// <summary>Student's paired t: the mean difference over its standard error; null when the differences do not vary.</summary>
    public static double? PairedT(IReadOnlyList<double> b, IReadOnlyList<double> a)
    {
        var d = b.Zip(a, (x, y) => x - y).ToArray();
        if (d.Length < 2) return null;
        var mean = d.Average();
        var variance = d.Sum(v => (v - mean) * (v - mean)) / (d.Length - 1);
        return variance <= 1e-18 ? null : mean / Math.Sqrt(variance / d.Length);
    }

    private static MapDrift? Drift(IEnumerable<long> items, IReadOnlyDictionary<long, double> drift)
    {
        var values = items.Where(drift.ContainsKey).Select(i => drift[i]).ToArray();
        return values.Length == 0 ? null : new MapDrift(values.Length, values.Average(), Bootstrap.Mean(values));
    }

    /// <summary>Per item, the distance between A's and B's map, from both jobs' maps streamed in item order and merged.</summary>
    private async Task<Dictionary<long, double>> DriftAsync(Guid jobA, Guid jobB, (string Method, string Layer) mapsA, (string Method,
        string Layer) mapsB,
        CancellationToken ct)
    {
        var drift = new Dictionary<long, double>();
        await using var a = InItemOrder(dbA, jobA, mapsA.Method, mapsA.Layer).GetAsyncEnumerator(ct);
        await using var b = InItemOrder(dbB, jobB, mapsB.Method, mapsB.Layer).GetAsyncEnumerator(ct);
        var (hasA, hasB) = (await a.MoveNextAsync(), await b.MoveNextAsync());
        while (hasA && hasB)
        {
            if (a.Current.ItemNumber < b.Current.ItemNumber) hasA = await a.MoveNextAsync();
            else if (a.Current.ItemNumber > b.Current.ItemNumber) hasB = await b.MoveNextAsync();
            else
            {
                drift[a.Current.ItemNumber] = MapDistance.OneMinusPearson(a.Current.MapValues(), a.Current.MapHeight, a.Current.MapWidth,
                    b.Current.MapValues(), b.Current.MapHeight, b.Current.MapWidth);
                (hasA, hasB) = (await a.MoveNextAsync(), await b.MoveNextAsync());
            }
        }
        return drift;
    }

    private static IAsyncEnumerable<ResultRow> InItemOrder(CamDbContext db, Guid job, string method, string layer) =>
        db.Results.AsNoTracking().Where(r => r.JobId == job && r.ClassRank == 0 && r.Method == method && r.Layer == layer)
            .OrderBy(r => r.ItemNumber).AsAsyncEnumerable();

    private static async Task<IReadOnlyList<ShortcutFinding>> FindingsAsync(CamDbContext db, Guid job, string method, string layer,
        IReadOnlyList<string> labels, CancellationToken ct)
    {
        var queries = new AuditQueries(db, job);
        var inBox = (await queries.ClassesAsync(method, layer, labels, ct)).ToDictionary(c => c.ClassIndex, c => c.EnergyInBox);
        var (all, _) = await MapAudit.RunAsync(method, () => Unsliced(queries.StreamPrimary(method, layer)), labels, inBox,
            new Dictionary<string, IReadOnlyDictionary<int, double?>>(), null, ct);
        return all.Findings;
    }

    private static async IAsyncEnumerable<(string? Slice, ResultRow Row)> Unsliced(IAsyncEnumerable<ResultRow> rows)
    {
        await foreach (var r in rows) yield return (null, r);
    }

    private static IEnumerable<ShortcutChange> Compare(string method, IReadOnlyList<ShortcutFinding> a, IReadOnlyList<ShortcutFinding> b)
    {
        var (inA, inB) = (a.Where(f => f.Suspicious).ToDictionary(f => f.ClassIndex), b.Where(f => f.Suspicious).ToDictionary(f => f.ClassIndex));
        foreach (var f in inB.Values.OrderBy(f => f.ClassIndex))
            yield return new ShortcutChange(method, f.ClassIndex, f.Label, f.Region, inA.ContainsKey(f.ClassIndex) ? "kept" : "new", f.Message);
        foreach (var f in inA.Values.Where(f => !inB.ContainsKey(f.ClassIndex)).OrderBy(f => f.ClassIndex))
            yield return new ShortcutChange(method, f.ClassIndex, f.Label, f.Region, "gone", f.Message);
    }

    private static async Task<JobSpec> SpecAsync(CamDbContext db, Guid job, CancellationToken ct)
    {
        var row = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == job, ct)
            ?? throw new ArgumentException($"no job {job} in its database");
        return StoredJobSpec.Read(job, row.Spec);
    }

    private IReadOnlyList<string>? Labels(string model)
    {
        try
        {
            return ModelManifestReader.Read(Path.Combine(modelRoot, model)).Labels is { Count: > 0 } labels ? labels : null;
        }
        catch (Exception e) when (e is ModelPackageException or IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
