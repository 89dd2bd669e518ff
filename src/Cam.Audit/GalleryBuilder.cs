using Cam.Datasets;
using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit;

/// <summary>What a job's galleries are drawn from: its primary (method, layer) pairs and shortcut findings, its dataset, classes and
/// preprocessing.</summary>
internal sealed record GalleryRequest(Guid JobId, IReadOnlyList<(string Method, string Layer)> Primary, IReadOnlyList<ShortcutFinding> Findings,
    IReadOnlyList<string> Labels, string Dataset, PreprocessSpec Preprocess);

/// <summary>
/// The audit's galleries: the best, the worst and the most suspicious maps of one method (<see cref="AuditOptions.GalleryMethod"/>,
/// the first by default), chosen in SQL, each drawn over its image as the model saw it.
/// </summary>
internal sealed class GalleryBuilder(CamDbContext db, AuditQueries queries, AuditOptions options)
{
    private sealed record GallerySet(string Title, string Description, IReadOnlyList<ResultRow> Rows);

    public async Task<IReadOnlyList<Gallery>> BuildAsync(GalleryRequest request, IProgress<AuditProgress>? progress, CancellationToken ct)
    {
        var (method, layer) = request.Primary.FirstOrDefault(p => p.Method == options.GalleryMethod) is { Method: not null } chosen
            ? chosen : request.Primary[0];
        var sets = await SelectAsync(request, method, layer, ct);
        return await DrawAsync(request, sets, progress, ct);
    }

    private async Task<List<GallerySet>> SelectAsync(GalleryRequest request, string method, string layer, CancellationToken ct)
    {
        var n = options.GallerySize;
        var withBoxes = await db.Results.AsNoTracking().AnyAsync(r => r.JobId == request.JobId && r.EnergyInBox != null, ct);
        var order = withBoxes ? "the share of the map's energy inside the object's box" : "the explained class's probability";
        var sets = new List<GallerySet>
        {
            new("Best", $"{method}: the highest {order}", await queries.ExtremesAsync(method, layer, best: true, n, ct)),
            new("Worst", $"{method}: the lowest {order} — where the model looks away from the object most", await queries.ExtremesAsync(method,
                layer, best: false, n, ct)),
        };
        var suspicious = request.Findings.Where(f => f.Suspicious && f.Method == method).ToList();
        if (suspicious.Count > 0)
        {
            var rows = new List<ResultRow>();
            foreach (var f in suspicious)
                rows.AddRange(await queries.PeakingNearAsync(method, layer, f.ClassIndex, f.PeakY, f.PeakX, Math.Max(2, n / suspicious.Count), ct));
            sets.Add(new("Most suspicious",
                $"{method}: maps peaking where a suspected shortcut sits " +
                    $"({string.Join("; ", suspicious.Select(f => $"'{f.Label}' in the {f.Region}"))})", rows));
        }
        else
        {
            sets.Add(new("Most suspicious", $"{method}: the most confident maps whose peak misses the object",
                await queries.ConfidentMissesAsync(method, layer, n, ct)));
        }
        return sets;
    }

    private async Task<IReadOnlyList<Gallery>> DrawAsync(GalleryRequest request, List<GallerySet> sets, IProgress<AuditProgress>? progress,
        CancellationToken ct)
    {
        var paths = await queries.ItemPathsAsync(sets.SelectMany(s => s.Rows).Select(r => r.ItemNumber), ct);
        var datasetRoot = DatasetRoot(request.Dataset);
        var root = new DataRoot(options.DataRoot);
        var total = sets.Sum(s => s.Rows.Count);
        var done = 0;
        var galleries = new List<Gallery>();
        foreach (var (title, description, rows) in sets)
        {
            var items = new List<GalleryItem>();
            foreach (var r in rows)
            {
                items.Add(Overlay(request, r, paths.GetValueOrDefault(r.ItemNumber, "?"), root, datasetRoot));
                progress?.Report(new AuditProgress("overlays", ++done, total));
            }
            galleries.Add(new Gallery(title, description, items));
        }
        return galleries;
    }

    /// <summary>The row's map over its image, or the reason the image could not be drawn.</summary>
    private GalleryItem Overlay(GalleryRequest request, ResultRow r, string path, DataRoot root, string? datasetRoot)
    {
        var label = AuditQueries.LabelOf(request.Labels, r.ClassIndex);
        var caption = $"#{r.ItemNumber} {path}: '{label}' p={r.Probability:F2}" + (r.EnergyInBox is { } inBox ? $", {inBox:P0} in box" : "");
        var item = new GalleryItem(r.ItemNumber, path, r.Method, r.ClassIndex, label, r.Probability, r.EnergyInBox, caption);
        try
        {
            if (datasetRoot is null) throw new InvalidOperationException($"dataset '{request.Dataset}' is not under the data " +
                $"root {options.DataRoot}");
            var image = ImageDecoder.Decode(root.Resolve(datasetRoot, path));
            return item with { Png = OverlayRenderer.Render(image, request.Preprocess, r.MapValues(), r.MapHeight, r.MapWidth) };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UnsafePathException or ImageDecodeException
            or InvalidOperationException or ArgumentException)
        {
            return item with { ImageError = e.Message };
        }
    }

    private string? DatasetRoot(string dataset)
    {
        try
        {
            var full = Path.GetFullPath(Path.Combine(options.DataRoot, dataset));
            return Path.GetRelativePath(Path.GetFullPath(options.DataRoot), DatasetSources.Open(full).Root);
        }
        catch (Exception e) when (e is IOException or ArgumentException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
