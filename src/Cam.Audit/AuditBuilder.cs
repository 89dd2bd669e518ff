using System.Text.Json;
using Cam.Datasets;
using Cam.Specs;
using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit;

/// <summary>Where the job's images and model live (to draw overlays and name classes), and how much to show.</summary>
public sealed record AuditOptions
{
    public required string DataRoot { get; init; }
    public required string ModelRoot { get; init; }
    /// <summary>Method whose overlays fill the galleries; the job's first method when null.</summary>
    public string? GalleryMethod { get; init; }
    public int GallerySize { get; init; } = 8;
    /// <summary>A meta key to audit every slice of (<c>--by</c>); none when null.</summary>
    public string? SliceBy { get; init; }
    /// <summary>The sanity check's sample and cascade (<c>--sanity</c>); none when null.</summary>
    public SanityOptions? Sanity { get; init; }
    /// <summary>Strategy discovery per class (<c>--strategies</c>); none when null.</summary>
    public Strategies.StrategyOptions? Strategies { get; init; }
}

/// <summary>Progress of a long audit: a stage, and how far it is.</summary>
public sealed record AuditProgress(string Stage, long Done, long Total);

/// <summary>Builds the audit of a job from the database: aggregates in SQL, mean maps and shortcuts in one pass, overlays.</summary>
public sealed partial class AuditBuilder(CamDbContext db, AuditOptions options)
{
    public async Task<AuditSummary> BuildAsync(Guid jobId, IProgress<AuditProgress>? progress = null, CancellationToken ct = default)
    {
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct)
            ?? throw new ArgumentException($"no job {jobId} in this database");
        var spec = StoredJobSpec.Read(job.Id, job.Spec);
        var (dataset, model) = (spec.Dataset, spec.Model);
        var specMethods = spec.Methods.Select(m => m.Name).ToList();
        var manifest = TryReadManifest(model);
        var labels = manifest?.Labels ?? [];

        var queries = new AuditQueries(db, jobId);
        progress?.Report(new AuditProgress("aggregating", 0, 1));
        var primary = await queries.PrimaryLayersAsync(ct);
        primary = primary.OrderBy(p => specMethods.IndexOf(p.Method) is var i && i < 0 ? int.MaxValue : i).ToList();
        var slicing = options.SliceBy is { } key ? new SliceQueries(db, jobId, key) : null;
        var values = new Dictionary<string, IReadOnlyList<ItemValue>>();
        foreach (var (method, layer) in primary) values[method] = await ItemValues.ReadAsync(db, jobId, method, layer, slicing?.Key, ct);
        var methods = new List<MethodSummary>();
        var classes = new List<ClassSummary>();
        var distributions = new List<MetricDistribution>();
        foreach (var (method, layer) in primary)
        {
            methods.Add(await queries.MethodAsync(method, layer, ct) with { Intervals = ItemValues.MetricIntervals(values[method]) });
            var methodClasses = await queries.ClassesAsync(method, layer, labels, ct);
            classes.AddRange(methodClasses.Select(c => c with { Intervals = ClassIntervals(values[method], c.ClassIndex) }));
            distributions.AddRange(await queries.DistributionsAsync(method, layer, ct));
        }
        var (accuracy, labelled) = primary.Count > 0 ? await queries.AccuracyAsync(primary[0].Method, primary[0].Layer, ct) : (null, 0);
        var (errorsByStage, firstErrors) = await queries.ErrorsAsync(20, ct);
        progress?.Report(new AuditProgress("aggregating", 1, 1));

        var findings = new List<ShortcutFinding>();
        var meanMaps = new List<ClassMeanMap>();
        var mapsBySlice = new Dictionary<string, IReadOnlyDictionary<string, MapFindings>>();
        var total = 0L;
        foreach (var (method, layer) in primary) total += await queries.CountPrimaryAsync(method, layer, ct);
        var done = 0L;
        foreach (var (method, layer) in primary)
        {
            var inBox = classes.Where(c => c.Method == method).ToDictionary(c => c.ClassIndex, c => c.EnergyInBox);
            var inBoxBySlice = values[method].GroupBy(v => SliceAudit.Name(v.Slice)).ToDictionary(g => g.Key,
                g => (IReadOnlyDictionary<int, double?>)g.GroupBy(v => v.ClassIndex).ToDictionary(c => c.Key,
                    c => c.Average(v => (double?)v.EnergyInBox)));
            var (all, bySlice) = await MapAudit.RunAsync(method, () => Maps(queries, slicing, method, layer), labels, inBox, inBoxBySlice,
                () => { if (++done % 500 == 0) progress?.Report(new AuditProgress("mean maps", done, total)); }, ct);
            findings.AddRange(all.Findings);
            meanMaps.AddRange(all.MeanMaps);
            mapsBySlice[method] = bySlice;
        }
        progress?.Report(new AuditProgress("mean maps", total, total));
        var slices = slicing is null || primary.Count == 0 ? null : await SliceAuditBuilder.BuildAsync(slicing, primary, labels, values,
            mapsBySlice, ct);

        var galleries = primary.Count == 0 ? [] : await new GalleryBuilder(db, queries, options).BuildAsync(
            new GalleryRequest(job.Id, primary, findings, labels, dataset, manifest?.Preprocess ?? new PreprocessSpec()), progress, ct);
        var strategies = options.Strategies is { } strategyOptions
            ? await StrategiesAsync(jobId, primary, labels, dataset, manifest?.Preprocess ?? new PreprocessSpec(), strategyOptions, progress, ct)
            : null;
        if (options.Sanity is not null) progress?.Report(new AuditProgress("sanity check", 0, 1));
        var sanity = options.Sanity is { } check && primary.Count > 0 ? await SanityAudit.RunAsync(db, jobId, options, check, ct) : null;
        return new AuditSummary
        {
            JobId = job.Id, State = job.State, Dataset = dataset, Model = model, Items = job.TotalItems, Succeeded = job.SucceededItems,
            Failed = job.FailedItems, Results = job.Results,
            Seconds = job.FinishedAt is { } end && job.StartedAt is { } start ? (end - start).TotalSeconds : null,
            Accuracy = accuracy, LabelledItems = labelled,
            AccuracyInterval = primary.Count > 0 ? ItemValues.AccuracyInterval(values[primary[0].Method]) : null, Slices = slices,
            Sanity = sanity, Strategies = strategies, ClassLabels = labels, Methods = methods, Classes = classes,
            Distributions = distributions,
            Findings = findings, MeanMaps = meanMaps, Galleries = galleries, ErrorsByStage = errorsByStage, FirstErrors = firstErrors,
            MethodFailures = await MethodFailures.QueryAsync(db, jobId, 10, ct),
            UnknownLabels = await UnknownLabels.CountAsync(db, jobId, ct),
        };
    }

    /// <summary>Intervals of a class's means over its maps, and of its accuracy over the items labelled with it.</summary>
    internal static IReadOnlyDictionary<string, Interval> ClassIntervals(IReadOnlyList<ItemValue> values, int classIndex)
    {
        var intervals = new Dictionary<string, Interval>(ItemValues.MetricIntervals(values.Where(v => v.ClassIndex == classIndex).ToList()));
        if (ItemValues.AccuracyInterval(values.Where(v => v.LabelClass == classIndex)) is { } accuracy) intervals["accuracy"] = accuracy;
        return intervals;
    }

    private static async IAsyncEnumerable<(string? Slice, ResultRow Row)> Maps(AuditQueries queries, SliceQueries? slicing, string method,
        string layer)
    {
        if (slicing is null)
        {
            await foreach (var r in queries.StreamPrimary(method, layer)) yield return (null, r);
            yield break;
        }
        await foreach (var x in slicing.StreamPrimary(method, layer)) yield return (SliceAudit.Name(x.Slice), x.Row);
    }

    private ModelManifest? TryReadManifest(string model)
    {
        try
        {
            return ModelManifestReader.Read(Path.Combine(options.ModelRoot, model));
        }
        catch (Exception e) when (e is ModelPackageException or IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
