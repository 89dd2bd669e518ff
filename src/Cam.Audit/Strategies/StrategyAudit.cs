using System.Text.Json;
using Cam.Datasets;
using Cam.Storage;

namespace Cam.Audit.Strategies;

/// <summary>What the strategy audit needs besides the database: class names, the preprocessing and where images lie.</summary>
/// <param name="ImagePath">An item's path → the image file, or null when images cannot be reached (no geometry then).</param>
public sealed record StrategyContext(IReadOnlyList<string> Labels, PreprocessSpec Preprocess, Func<string, string?> ImagePath);

/// <summary>
/// Strategy discovery (SpRAy) over one method's maps, in two streamed passes over the results:
/// <list type="number">
/// <item>each map, on the method's grid (the first map's size) and scaled to sum 1, offered to its class's seeded
/// sample (<see cref="BottomKSample"/>, <see cref="StrategyOptions.SampleSize"/> maps per class);</item>
/// <item>each class's sample clustered (<see cref="SpectralClustering"/>), each cluster's centre the mean of its maps;</item>
/// <item>every map assigned — a sampled one to its cluster, any other to the nearest centre (Euclidean) — and its
/// cluster's figures accumulated (<see cref="ClusterAccumulator"/>); then each cluster judged (<see cref="StrategyFlags"/>).</item>
/// </list>
/// Memory: the samples and per-cluster sums, not the maps.
/// </summary>
public static class StrategyAudit
{
    public static async Task<IReadOnlyList<ClassStrategies>> RunAsync(CamDbContext db, Guid jobId, string method, string layer,
        StrategyContext context, StrategyOptions options, Action? onMap = null, CancellationToken ct = default)
    {
        var stream = new StrategyStream(db, jobId, method, layer);
        var (height, width) = (0, 0);
        var samples = new SortedDictionary<int, BottomKSample>();
        var counts = new Dictionary<int, long>();
        await foreach (var (row, _) in stream.MapsAsync(withItems: false, ct))
        {
            if (height == 0) (height, width) = (row.MapHeight, row.MapWidth);
            if (!samples.TryGetValue(row.ClassIndex, out var sample)) samples[row.ClassIndex] = sample = new BottomKSample(options.SampleSize,
                options.Seed);
            counts[row.ClassIndex] = counts.GetValueOrDefault(row.ClassIndex) + 1;
            if (sample.Wants(row.Item)) sample.Add(row.Item, StrategyMaps.Normalise(MapCodec.Decode(row.Map), row.MapHeight, row.MapWidth, height,
                width));
            onMap?.Invoke();
        }
        if (samples.Count == 0) return [];

        var spectral = new SpectralOptions(options.Neighbours, options.MaxClusters, options.Seed);
        var clustered = new Dictionary<int, (SpectralResult Result, Dictionary<long, int> Sampled, ClusterAccumulator[] Clusters)>();
        foreach (var (cls, sample) in samples)
        {
            var items = sample.Items();
            var result = SpectralClustering.Cluster(items.Select(i => i.Map).ToList(), spectral);
            var centres = Enumerable.Range(0, result.Clusters).Select(c => Centre(items, result.Labels, c, height * width)).ToArray();
            clustered[cls] = (result, items.Select((item, i) => (item.Item, Label: result.Labels[i])).ToDictionary(x => x.Item, x => x.Label),
                centres.Select(c => new ClusterAccumulator(c, options.TypicalItems)).ToArray());
        }

        var images = new ImageSizes(context);
        await foreach (var (row, item) in stream.MapsAsync(withItems: true, ct))
        {
            if (!clustered.TryGetValue(row.ClassIndex, out var c)) continue;
            var map = StrategyMaps.Normalise(MapCodec.Decode(row.Map), row.MapHeight, row.MapWidth, height, width);
            var sampled = c.Sampled.TryGetValue(row.Item, out var label);
            if (!sampled) label = KMeans.Nearest(Array.ConvertAll(map, v => (double)v), c.Clusters.Select(a => a.Centre).ToList());
            var cluster = c.Clusters[label];
            cluster.Add(row, map, height, width, item?.Meta, sampled);
            if (sampled && item is not null && images.ObjectCentre(item) is { } objectCentre && StrategyMaps.CentreOfMass(map, height,
                width) is { } mapCentre)
                cluster.SampledGeometry.Add((mapCentre, objectCentre));
            onMap?.Invoke();
        }

        return clustered.Select(entry =>
        {
            var (cls, (result, sampled, clusters)) = (entry.Key, entry.Value);
            var total = counts[cls];
            return new ClassStrategies(method, layer, cls, AuditQueries.LabelOf(context.Labels, cls), total, sampled.Count, result.Clusters,
                result.Eigenvalues, StrategyFlags.Judge(clusters, total), height, width);
        }).ToList();
    }

    private static double[] Centre(List<(long Item, float[] Map)> items, int[] labels, int cluster, int cells)
    {
        var centre = new double[cells];
        var n = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (labels[i] != cluster) continue;
            n++;
            for (var j = 0; j < cells; j++) centre[j] += items[i].Map[j];
        }
        for (var j = 0; j < cells; j++) centre[j] /= Math.Max(n, 1);
        return centre;
    }

    /// <summary>
    /// Object centres in fractions of the model input: the boxes (area-weighted centre) carried through the
    /// preprocessing, which needs the image's stored size (its header alone is read). Gives up after the first image
    /// that cannot be read: the audit then has no geometry.
    /// </summary>
    private sealed class ImageSizes(StrategyContext context)
    {
        private bool unreadable;

        public (double X, double Y)? ObjectCentre(StrategyItem item)
        {
            if (unreadable || item.Boxes is null) return null;
            float[][]? boxes;
            try
            {
                boxes = JsonSerializer.Deserialize<float[][]>(item.Boxes);
            }
            catch (JsonException)
            {
                return null;
            }
            if (boxes is null || boxes.Length == 0 || boxes.Any(b => b.Length != 4)) return null;
            (int Width, int Height) size;
            try
            {
                size = context.ImagePath(item.Path) is { } path ? ImageDecoder.ReadSize(path) : throw new IOException("no image path");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or UnsafePathException
                or ImageDecodeException or ArgumentException)
            {
                unreadable = true;
                return null;
            }
            var (inputHeight, inputWidth) = context.Preprocess.InputSize((size.Height, size.Width));
            var (sum, sx, sy) = (0.0, 0.0, 0.0);
            foreach (var b in boxes)
            {
                var t = context.Preprocess.TransformBox(new Box(b[0], b[1], b[2], b[3]), size.Width, size.Height);
                var area = Math.Max(0, t.X1 - t.X0) * Math.Max(0, t.Y1 - t.Y0);
                (sum, sx, sy) = (sum + area, sx + area * (t.X0 + t.X1) / 2, sy + area * (t.Y0 + t.Y1) / 2);
            }
            return sum > 0 ? (sx / sum / inputWidth, sy / sum / inputHeight) : null;
        }
    }
}
