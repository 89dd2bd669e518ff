using Cam.Contracts;
using Cam.Datasets;
using Cam.Engine.Methods;
using Cam.Engine.Packages;
using Cam.Engine.Preprocessing;
using Cam.Specs;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit;

/// <summary>What <c>--sanity</c> re-explains: how many items (spread evenly over the job) and how deep the cascade goes.</summary>
public sealed record SanityOptions(int Items = SanityCheck.DefaultItems, int Layers = SanityCheck.DefaultLayers);

/// <summary>
/// Runs the sanity check for a job: a sample of its explained items, read and preprocessed as the job did, the job's
/// methods and layers, and a copy of its model loaded for the check alone (its weights get destroyed).
/// </summary>
public static class SanityAudit
{
    public static async Task<SanityReport> RunAsync(CamDbContext db, Guid jobId, AuditOptions options, SanityOptions sanity, CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId, ct);
        var spec = StoredJobSpec.Read(job.Id, job.Spec);
        var methods = spec.Methods.Select(CamMethods.Create).ToList();
        if (methods.Count == 0) throw new InvalidOperationException("the job names no method to check");

        // The explained items (rank 0 of the job's first method), spread evenly over the job.
        var explained = await db.Results.AsNoTracking().Where(r => r.JobId == jobId && r.ClassRank == 0 && r.Method == methods[0].Name)
            .Select(r => new { r.ItemNumber, r.ClassIndex }).Distinct().OrderBy(r => r.ItemNumber).ToListAsync(ct);
        var byItem = explained.GroupBy(r => r.ItemNumber).Select(g => g.First()).ToList();
        var count = Math.Min(Math.Max(1, sanity.Items), byItem.Count);
        if (count == 0) throw new InvalidOperationException("the job has no explained item to check");
        var sample = Enumerable.Range(0, count).Select(i => byItem[(int)((long)i * byItem.Count / count)]).ToList();
        var paths = await new AuditQueries(db, jobId).ItemPathsAsync(sample.Select(s => s.ItemNumber), ct);

        var datasetRoot = job.DatasetRoot ?? Path.GetRelativePath(Path.GetFullPath(options.DataRoot),
            DatasetSources.Open(Path.GetFullPath(Path.Combine(options.DataRoot, spec.Dataset))).Root);
        using var package = ModelPackage.Load(Path.Combine(options.ModelRoot, spec.Model));
        var images = new ImageLoader(new DataRoot(options.DataRoot)).Load(datasetRoot, sample.Select(s => paths[s.ItemNumber]).ToList(), ct);
        var readable = sample.Zip(images).Where(p => p.Second.Ok).ToList();
        if (readable.Count == 0) throw new InvalidOperationException($"none of the {sample.Count} sampled images could be read: {images[0].Error}");
        var preprocessor = new Preprocessor(package.Manifest.Preprocess, package.Classifier.Device);
        using var input = preprocessor.Batch(readable.Select(p => p.Second.Image!).ToList());
        var layers = spec.Layers.Count > 0 ? spec.Layers : package.Manifest.TargetLayers;
        return SanityCheck.Run(package.Classifier, methods, layers, input, readable.Select(p => p.First.ClassIndex).ToList(), sanity.Layers);
    }
}
