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
        }
        if (total > 0)
            for (var i = 0; i < map.Length; i++)
                if (map[i] > 0) sum[i] += map[i] / total;
        peaks[classIndex][peakY * width + peakX]++;
        counts[classIndex] = counts.GetValueOrDefault(classIndex) + 1;
    }

    public IEnumerable<int> Classes => counts.Keys.Order();

    public long Count(int classIndex) => counts.GetValueOrDefault(classIndex);

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
