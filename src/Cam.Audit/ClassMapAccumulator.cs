namespace Cam.Audit;

/// <summary>
/// Accumulates, per explained class, the mean of its maps (each scaled to sum 1, so that every item weighs the
/// same) and where each map peaks, in one pass over the stored maps.
/// </summary>
public sealed class ClassMapAccumulator
{
    private readonly Dictionary<int, double[]> sums = [];
    private readonly Dictionary<int, long[]> peaks = [];
    private readonly Dictionary<int, long> counts = [];
    // Per class and per 3×3 region (by its centre cell): the sum, and the sum of squares, of each map's share of mass there.
    private readonly Dictionary<int, double[]> regionSums = [];
    private readonly Dictionary<int, double[]> regionSquares = [];

    public int Height { get; private set; }
    public int Width { get; private set; }

    public void Add(int classIndex, float[] map, int height, int width, int peakY, int peakX)
    {
        if (Height == 0) (Height, Width) = (height, width);
        if (height != Height || width != Width || map.Length != height * width) return;
        var total = 0.0;
        foreach (var v in map) if (v > 0) total += v;
        if (!sums.TryGetValue(classIndex, out var sum))
        {
            sums[classIndex] = sum = new double[map.Length];
            peaks[classIndex] = new long[map.Length];
            regionSums[classIndex] = new double[map.Length];
            regionSquares[classIndex] = new double[map.Length];
        }
        if (total > 0)
        {
            var shares = new double[map.Length];
            for (var i = 0; i < map.Length; i++)
                if (map[i] > 0) sum[i] += shares[i] = map[i] / total;
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                {
                    var region = RegionSum(shares, y, x, height, width);
                    regionSums[classIndex][y * width + x] += region;
                    regionSquares[classIndex][y * width + x] += region * region;
                }
        }
        peaks[classIndex][peakY * width + peakX]++;
        counts[classIndex] = counts.GetValueOrDefault(classIndex) + 1;
    }

    /// <summary>
    /// Welch's t statistic of the per-map share of mass in the region centred on (y, x): this class's maps against
    /// every other class's. Large when the class's maps reliably put more there, not merely a few of them.
    /// </summary>
    public double RegionT(int classIndex, int y, int x)
    {
        var cell = y * Width + x;
        var n = counts[classIndex];
        var mean = regionSums[classIndex][cell] / n;
        var variance = Math.Max(0, regionSquares[classIndex][cell] / n - mean * mean);
        double otherSum = 0, otherSquares = 0;
        long others = 0;
        foreach (var (cls, sums) in regionSums)
        {
            if (cls == classIndex) continue;
            otherSum += sums[cell];
            otherSquares += regionSquares[cls][cell];
            others += counts[cls];
        }
        if (others == 0) return 0;
        var otherMean = otherSum / others;
        var otherVariance = Math.Max(0, otherSquares / others - otherMean * otherMean);
        return (mean - otherMean) / Math.Sqrt(variance / n + otherVariance / others + 1e-12);
    }

    public static double RegionSum(IReadOnlyList<double> map, int y, int x, int h, int w)
    {
        var sum = 0.0;
        for (var yy = Math.Max(0, y - 1); yy <= Math.Min(h - 1, y + 1); yy++)
            for (var xx = Math.Max(0, x - 1); xx <= Math.Min(w - 1, x + 1); xx++)
                sum += map[yy * w + xx];
        return sum;
    }

    public IEnumerable<int> Classes => counts.Keys.Order();

    public long Count(int classIndex) => counts.GetValueOrDefault(classIndex);

    /// <summary>The mean map over every other class's maps, each map weighing the same.</summary>
    public float[] MeanMapOfOthers(int classIndex)
    {
        var total = new double[Height * Width];
        long n = 0;
        foreach (var (cls, sum) in sums)
        {
            if (cls == classIndex) continue;
            for (var i = 0; i < total.Length; i++) total[i] += sum[i];
            n += counts[cls];
        }
        return total.Select(v => (float)(n == 0 ? 0 : v / n)).ToArray();
    }

    public float[] MeanMap(int classIndex)
    {
        var sum = sums[classIndex];
        var n = Math.Max(1, counts[classIndex]);
        return sum.Select(v => (float)(v / n)).ToArray();
    }

    /// <summary>Maps of the class (or of every other class) whose peak lies within one cell of (y, x).</summary>
    public long PeaksNear(int classIndex, int y, int x, bool otherClasses = false)
    {
        long total = 0;
        foreach (var (cls, grid) in peaks)
        {
            if (otherClasses == (cls == classIndex)) continue;
            for (var dy = -1; dy <= 1; dy++)
                for (var dx = -1; dx <= 1; dx++)
                {
                    var (py, px) = (y + dy, x + dx);
                    if (py >= 0 && py < Height && px >= 0 && px < Width) total += grid[py * Width + px];
                }
        }
        return total;
    }

    public long CountOthers(int classIndex) => counts.Where(c => c.Key != classIndex).Sum(c => c.Value);
}
