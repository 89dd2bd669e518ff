namespace Cam.Audit;

/// <summary>Pearson's correlation, the core of the map distance (1 − r) and of Spearman's rank correlation (r of the ranks).</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's correlation of two equally long series. A constant series has no pattern: 1 against another constant
    /// one, 0 against any other.
    /// </summary>
    public static double Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException("the two series differ in length");
        double meanA = 0, meanB = 0;
        for (var i = 0; i < a.Count; i++) (meanA, meanB) = (meanA + a[i], meanB + b[i]);
        (meanA, meanB) = (meanA / a.Count, meanB / a.Count);
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (var i = 0; i < a.Count; i++)
        {
            var (da, db) = (a[i] - meanA, b[i] - meanB);
            covariance += da * db;
            varianceA += da * da;
            varianceB += db * db;
        }
        const double flat = 1e-12;
        if (varianceA <= flat || varianceB <= flat) return varianceA <= flat && varianceB <= flat ? 1 : 0;
        return covariance / Math.Sqrt(varianceA * varianceB);
    }
}
