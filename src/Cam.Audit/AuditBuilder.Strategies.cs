using Cam.Audit.Strategies;
using Cam.Datasets;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit;

public sealed partial class AuditBuilder
{
    /// <summary>Each method's classes clustered into strategies (<see cref="StrategyAudit"/>), two streamed passes per method.</summary>
    private async Task<IReadOnlyList<ClassStrategies>> StrategiesAsync(Guid jobId, IReadOnlyList<(string Method, string Layer)> primary,
        IReadOnlyList<string> labels, string dataset, PreprocessSpec preprocess, StrategyOptions strategyOptions, IProgress<AuditProgress>? progress,
        CancellationToken ct)
    {
        var imagePaths = StrategyContexts.ImagePaths(options.DataRoot, dataset);
        var context = new StrategyContext(labels, preprocess, imagePaths);
        var result = new List<ClassStrategies>();
        foreach (var (method, layer) in primary)
        {
            var done = 0L;
            progress?.Report(new AuditProgress($"strategies ({method})", 0, 1));
            var classes = await StrategyAudit.RunAsync(db, jobId, method, layer, context, strategyOptions,
                () => { if (++done % 1000 == 0) progress?.Report(new AuditProgress($"strategies ({method})", done, done)); }, ct);
            foreach (var s in classes) result.Add(options.GallerySize == 0 ? s : s with { Clusters = await DrawTypicalAsync(jobId, s, context, ct) });
        }
        progress?.Report(new AuditProgress("strategies", 1, 1));
        return result;
    }

    /// <summary>Each cluster's typical items drawn over their images (the reason instead where an image cannot be read).</summary>
    private async Task<IReadOnlyList<StrategyCluster>> DrawTypicalAsync(Guid jobId, ClassStrategies s, StrategyContext context, CancellationToken ct)
    {
        var wanted = s.Clusters.SelectMany(c => c.Items).ToList();
        var rows = await db.Results.AsNoTracking()
            .Where(r => r.JobId == jobId && r.ClassRank == 0 && r.Method == s.Method && r.Layer == s.Layer && wanted.Contains(r.ItemNumber))
            .ToDictionaryAsync(r => r.ItemNumber, ct);
        var paths = await new AuditQueries(db, jobId).ItemPathsAsync(wanted, ct);
        return s.Clusters.Select(c => c with
        {
            Gallery = c.Items.Where(rows.ContainsKey).Select(item =>
            {
                var r = rows[item];
                var path = paths.GetValueOrDefault(item, "?");
                var drawn = new GalleryItem(item, path, s.Method, s.Class, s.Label, r.Probability, r.EnergyInBox,
                    $"#{item} {path}: '{s.Label}' p={r.Probability:F2}" + (r.EnergyInBox is { } inBox ? $", {inBox:P0} in box" : ""));
                try
                {
                    var file = context.ImagePath(path) ?? throw new IOException($"the dataset is not under the data root {options.DataRoot}");
                    var png = OverlayRenderer.Render(ImageDecoder.Decode(file), context.Preprocess, r.MapValues(), r.MapHeight,
                        r.MapWidth);
                    return drawn with { Png = png };
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or UnsafePathException
                    or ImageDecodeException or ArgumentException)
                {
                    return drawn with { ImageError = e.Message };
                }
            }).ToList(),
        }).ToList();
    }
}
