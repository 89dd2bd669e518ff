using MathNet.Numerics.Distributions;

namespace Cam.Audit;

/// <summary>
/// Draws the mean of one bootstrap resample of a set of values. Up to <see cref="ExactLimit"/> values it draws as many
/// values as there are, with replacement. Beyond that it runs the Poisson bootstrap (each item weighted by a
/// Poisson(1) count; Hanley and MacGibbon 2006, Chamandy et al. 2012) over a histogram of <see cref="Bins"/> bins of
/// equal width, each carrying the mean of its values: a bin of c items then weighs Poisson(c), so that a resample
/// costs <see cref="Bins"/> draws however many items there are. The mean of the resample is
/// Σ_b w_b·m_b / Σ_b w_b (w_b the bin's weight, m_b its values' mean); the only thing lost is the spread inside a
/// bin, under 1/Bins² of the range's square.
/// </summary>
internal sealed class ResampledMean
{
    public const int ExactLimit = 20_000;
    public const int Bins = 1024;

    private readonly IReadOnlyList<double>? values;
    private readonly double[] binCounts = [];
    private readonly double[] binMeans = [];

    private ResampledMean(IReadOnlyList<double> values) => this.values = values;

    private ResampledMean(double[] binCounts, double[] binMeans)
    {
        this.binCounts = binCounts;
        this.binMeans = binMeans;
    }

    /// <summary>The resampler of <paramref name="values"/>: exact up to <paramref name="exactLimit"/> values.</summary>
    public static ResampledMean Of(IReadOnlyList<double> values, int exactLimit = ExactLimit)
    {
        if (values.Count <= exactLimit) return new ResampledMean(values);
        var (low, high) = (double.PositiveInfinity, double.NegativeInfinity);
        foreach (var v in values) (low, high) = (Math.Min(low, v), Math.Max(high, v));
        var width = (high - low) / Bins;
        var counts = new double[Bins];
        var sums = new double[Bins];
        foreach (var v in values)
        {
            var bin = width > 0 ? Math.Min(Bins - 1, (int)((v - low) / width)) : 0;
            counts[bin]++;
            sums[bin] += v;
        }
        var occupied = Enumerable.Range(0, Bins).Where(b => counts[b] > 0).ToArray();
        return new ResampledMean(occupied.Select(b => counts[b]).ToArray(), occupied.Select(b => sums[b] / counts[b]).ToArray());
    }

    /// <summary>The mean of one resample drawn with <paramref name="random"/>.</summary>
    public double Next(Random random)
    {
        if (values is not null)
        {
            var sum = 0.0;
            for (var i = 0; i < values.Count; i++) sum += values[random.Next(values.Count)];
            return sum / values.Count;
        }
        double weighted = 0, total = 0;
        for (var b = 0; b < binCounts.Length; b++)
        {
            var weight = Poisson.Sample(random, binCounts[b]);
            weighted += weight * binMeans[b];
            total += weight;
        }
        return total > 0 ? weighted / total : binMeans[0];
    }
}
