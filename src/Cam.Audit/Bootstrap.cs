namespace Cam.Audit;

/// <summary>A 95% confidence interval: the 2.5th and 97.5th percentiles of the bootstrap distribution.</summary>
public sealed record Interval(double Low, double High)
{
    public bool Contains(double value) => value >= Low && value <= High;
}

/// <summary>
/// Percentile bootstrap over items: each of <see cref="Resamples"/> resamples draws as many items as there are, with
/// replacement (for many items, the Poisson bootstrap over their histogram: <see cref="ResampledMean"/>), from a
/// generator seeded with <see cref="Seed"/>, so that an audit gives the same intervals every time.
/// </summary>
public static class Bootstrap
{
    public const int Resamples = 1000;
    public const int Seed = 20261206;

    /// <summary>The interval of the mean of <paramref name="values"/>; null when there are none.</summary>
    public static Interval? Mean(IReadOnlyList<double> values, int seed = Seed) =>
        values.Count == 0 ? null : Of(seed, ResampledMean.Of(values).Next);

    /// <summary>The interval of mean(<paramref name="a"/>) − mean(<paramref name="b"/>), each resampled on its own.</summary>
    public static Interval? Difference(IReadOnlyList<double> a, IReadOnlyList<double> b, int seed = Seed) =>
        a.Count == 0 || b.Count == 0 ? null : Of(seed, Resamplers(a, b, (x, y) => x - y));

    /// <summary>
    /// The interval of mean(<paramref name="a"/>) / mean(<paramref name="b"/>) (b's mean floored at 1e-6), each resampled
    /// on its own.
    /// </summary>
    public static Interval? Ratio(IReadOnlyList<double> a, IReadOnlyList<double> b, int seed = Seed) =>
        a.Count == 0 || b.Count == 0 ? null : Of(seed, Resamplers(a, b, (x, y) => x / Math.Max(y, 1e-6)));

    /// <summary>The interval of the mean of paired differences <paramref name="a"/>[i] − <paramref name="b"/>[i], pairs resampled together.</summary>
    public static Interval? PairedDifference(IReadOnlyList<double> a, IReadOnlyList<double> b, int seed = Seed)
    {
        if (a.Count != b.Count) throw new ArgumentException("paired values differ in count");
        var differences = a.Zip(b, (x, y) => x - y).ToArray();
        return Mean(differences, seed);
    }

    /// <summary>The percentile interval of a statistic computed on <see cref="Resamples"/> resamples.</summary>
    public static Interval Of(int seed, Func<Random, double> statistic)
    {
        var random = new Random(seed);
        var estimates = new double[Resamples];
        for (var i = 0; i < Resamples; i++) estimates[i] = statistic(random);
        Array.Sort(estimates);
        return new Interval(Percentile(estimates, 0.025), Percentile(estimates, 0.975));
    }

    private static Func<Random, double> Resamplers(IReadOnlyList<double> a, IReadOnlyList<double> b, Func<double, double, double> combine)
    {
        var (meanA, meanB) = (ResampledMean.Of(a), ResampledMean.Of(b));
        return random => combine(meanA.Next(random), meanB.Next(random));
    }

    /// <summary>Linear interpolation between order statistics (NumPy's default percentile).</summary>
    private static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(sorted.Length - 1, below + 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
