using Cam.Audit.Strategies;
using Cam.Datasets;

namespace Cam.Audit;

public sealed partial class AuditBuilder
{
    /// <summary>Each method's classes clustered into strategies (<see cref="StrategyAudit"/>), two streamed passes per method.</summary>
    private async Task<IReadOnlyList<ClassStrategies>> StrategiesAsync(Guid jobId, IReadOnlyList<(string Method, string Layer)> primary,
        IReadOnlyList<string> labels, string dataset, PreprocessSpec preprocess, StrategyOptions strategyOptions, IProgress<AuditProgress>? progress,
        CancellationToken ct)
    {
        var context = new StrategyContext(labels, preprocess, ImagePaths(dataset));
        var result = new List<ClassStrategies>();
        foreach (var (method, layer) in primary)
        {
            var done = 0L;
            progress?.Report(new AuditProgress($"strategies ({method})", 0, 1));
            result.AddRange(await StrategyAudit.RunAsync(db, jobId, method, layer, context, strategyOptions,
                () => { if (++done % 1000 == 0) progress?.Report(new AuditProgress($"strategies ({method})", done, done)); }, ct));
        }
        progress?.Report(new AuditProgress("strategies", 1, 1));
        return result;
    }

    /// <summary>An item's path → its image file under the data root, or null when the dataset is not there.</summary>
    private Func<string, string?> ImagePaths(string dataset)
    {
        string? datasetRoot;
        try
        {
            var full = Path.GetFullPath(Path.Combine(options.DataRoot, dataset));
            datasetRoot = Path.GetRelativePath(Path.GetFullPath(options.DataRoot), DatasetSources.Open(full).Root);
        }
        catch (Exception e) when (e is IOException or ArgumentException or FormatException or UnauthorizedAccessException)
        {
            datasetRoot = null;
        }
        var root = new DataRoot(options.DataRoot);
        return path => datasetRoot is null ? null : root.Resolve(datasetRoot, path);
    }
}
