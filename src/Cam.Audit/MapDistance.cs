namespace Cam.Audit;

/// <summary>How far apart two maps of one item are, whatever their scale: 1 − Pearson correlation.</summary>
public static class MapDistance
{
    /// <summary>
    /// 1 − Pearson correlation of <paramref name="a"/> and <paramref name="b"/> (row-major, <paramref name="b"/> resized
    /// bilinearly to <paramref name="a"/>'s shape when they differ): 0 for the same pattern, 1 for unrelated, 2 for inverted.
    /// A constant map has no pattern: 0 against another constant map, 1 against any other.
    /// </summary>
    public static double OneMinusPearson(float[] a, int heightA, int widthA, float[] b, int heightB, int widthB)
    {
        if (heightA != heightB || widthA != widthB) b = OverlayRenderer.Upsample(b, heightB, widthB, heightA, widthA);
        double meanA = 0, meanB = 0;
        for (var i = 0; i < a.Length; i++) (meanA, meanB) = (meanA + a[i], meanB + b[i]);
        (meanA, meanB) = (meanA / a.Length, meanB / a.Length);
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var (da, db) = (a[i] - meanA, b[i] - meanB);
            covariance += da * db;
            varianceA += da * da;
            varianceB += db * db;
        }
        const double flat = 1e-12;
        if (varianceA <= flat || varianceB <= flat) return varianceA <= flat && varianceB <= flat ? 0 : 1;
        return 1 - covariance / Math.Sqrt(varianceA * varianceB);
    }
}
