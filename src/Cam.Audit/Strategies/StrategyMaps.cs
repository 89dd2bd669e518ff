namespace Cam.Audit.Strategies;

/// <summary>The form maps are clustered in: on a common grid, negative values dropped, scaled to sum 1.</summary>
public static class StrategyMaps
{
    /// <summary>
    /// The map on a <paramref name="height"/> × <paramref name="width"/> grid (bilinear, half-pixel centres, as
    /// <c>interpolate(align_corners=False)</c>, when its own size differs), max(v, 0) scaled to sum 1 (all zeros stay zeros).
    /// </summary>
    public static float[] Normalise(float[] map, int mapHeight, int mapWidth, int height, int width)
    {
        var values = mapHeight == height && mapWidth == width ? map : Resize(map, mapHeight, mapWidth, height, width);
        var total = 0.0;
        foreach (var v in values) if (v > 0) total += v;
        var result = new float[values.Length];
        if (total > 0)
            for (var i = 0; i < values.Length; i++) result[i] = values[i] > 0 ? (float)(values[i] / total) : 0f;
        return result;
    }

    /// <summary>Mass on the outermost ring of cells of a sum-1 map.</summary>
    public static double BorderMass(ReadOnlySpan<float> map, int height, int width)
    {
        var sum = 0.0;
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                if (y == 0 || x == 0 || y == height - 1 || x == width - 1) sum += map[y * width + x];
        return sum;
    }

    /// <summary>Centre of mass of a sum-1 map in fractions of its side ((x + ½) / w, (y + ½) / h); null for an empty map.</summary>
    public static (double X, double Y)? CentreOfMass(ReadOnlySpan<float> map, int height, int width)
    {
        var (sum, sx, sy) = (0.0, 0.0, 0.0);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var v = map[y * width + x];
                (sum, sx, sy) = (sum + v, sx + v * (x + 0.5) / width, sy + v * (y + 0.5) / height);
            }
        return sum > 0 ? (sx / sum, sy / sum) : null;
    }

    private static float[] Resize(float[] map, int h, int w, int height, int width)
    {
        var result = new float[height * width];
        for (var y = 0; y < height; y++)
        {
            var (y0, y1, fy) = Source((y + 0.5) * h / height - 0.5, h);
            for (var x = 0; x < width; x++)
            {
                var (x0, x1, fx) = Source((x + 0.5) * w / width - 0.5, w);
                var top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
                var bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
                result[y * width + x] = (float)(top * (1 - fy) + bottom * fy);
            }
        }
        return result;
    }

    private static (int Low, int High, double Fraction) Source(double position, int size)
    {
        position = Math.Clamp(position, 0, size - 1);
        var low = (int)Math.Floor(position);
        return (low, Math.Min(low + 1, size - 1), position - low);
    }
}
