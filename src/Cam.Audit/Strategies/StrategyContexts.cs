using System.Text.Json;
using Cam.Datasets;
using Cam.Specs;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit.Strategies;

/// <summary>Where a job's class names, preprocessing and images come from, for the strategy audit.</summary>
public static class StrategyContexts
{
    /// <summary>The job's model manifest (labels, preprocessing; none when unreadable) and its images under <paramref name="dataRoot"/>.</summary>
    public static async Task<StrategyContext> ForJobAsync(CamDbContext db, Guid jobId, string dataRoot, string modelRoot, CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct)
            ?? throw new ArgumentException($"no job {jobId} in its database");
        var spec = StoredJobSpec.Read(job.Id, job.Spec);
        var (dataset, model) = (spec.Dataset, spec.Model);
        ModelManifest? manifest;
        try
        {
            manifest = ModelManifestReader.Read(Path.Combine(modelRoot, model));
        }
        catch (Exception e) when (e is ModelPackageException or IOException or JsonException or UnauthorizedAccessException)
        {
            manifest = null;
        }
        return new StrategyContext(manifest?.Labels ?? [], manifest?.Preprocess ?? new PreprocessSpec(), ImagePaths(dataRoot, dataset));
    }

    /// <summary>An item's path → its image file under the data root, or null when the dataset is not there.</summary>
    public static Func<string, string?> ImagePaths(string dataRoot, string dataset)
    {
        string? datasetRoot;
        try
        {
            var full = Path.GetFullPath(Path.Combine(dataRoot, dataset));
            datasetRoot = Path.GetRelativePath(Path.GetFullPath(dataRoot), DatasetSources.Open(full).Root);
        }
        catch (Exception e) when (e is IOException or ArgumentException or FormatException or UnauthorizedAccessException)
        {
            datasetRoot = null;
        }
        var root = new DataRoot(dataRoot);
        return path => datasetRoot is null ? null : root.Resolve(datasetRoot, path);
    }
}
