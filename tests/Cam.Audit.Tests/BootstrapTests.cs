namespace Cam.Audit.Tests;

public class BootstrapTests
{
    private static double[] Draw(Random random, int n, Func<Random, double> value) => Enumerable.Range(0, n).Select(_ => value(random)).ToArray();

    [Fact]
    public void The_interval_of_a_proportion_matches_the_normal_approximation()
    {
        // 400 items, 30% hits: mean ± 1.96·sqrt(p(1-p)/n).
        var values = Enumerable.Range(0, 400).Select(i => i % 10 < 3 ? 1.0 : 0.0).ToArray();
        var interval = Bootstrap.Mean(values)!;
        var half = 1.96 * Math.Sqrt(0.3 * 0.7 / 400);
        Assert.Equal(0.3 - half, interval.Low, 0.006);
        Assert.Equal(0.3 + half, interval.High, 0.006);
    }

    [Fact]
    public void The_interval_is_the_same_every_time_and_depends_on_the_seed()
    {
        var values = Draw(new Random(1), 50, r => r.NextDouble());
        Assert.Equal(Bootstrap.Mean(values), Bootstrap.Mean(values));
        Assert.NotEqual(Bootstrap.Mean(values, seed: 1), Bootstrap.Mean(values, seed: 2));
        Assert.Null(Bootstrap.Mean([]));
    }

    [Fact]
    public void Intervals_of_means_cover_the_true_mean_about_95_times_in_100()
    {
        // 300 samples of 60 exponential values (mean 1): the percentile interval should cover 1 about 95% of the time.
        var random = new Random(5);
        var covered = 0;
        for (var i = 0; i < 300; i++)
        {
            var values = Draw(random, 60, r => -Math.Log(1 - r.NextDouble()));
            if (Bootstrap.Mean(values, seed: i)!.Contains(1.0)) covered++;
        }
        Assert.InRange(covered / 300.0, 0.89, 0.98);
    }

    [Fact]
    public void The_interval_of_a_difference_matches_the_normal_approximation_of_two_independent_means()
    {
        var random = new Random(9);
        var a = Draw(random, 300, r => r.NextDouble());          // variance 1/12
        var b = Draw(random, 200, r => 0.5 * r.NextDouble());    // variance 1/48
        var se = Math.Sqrt(Variance(a) / a.Length + Variance(b) / b.Length);
        var difference = a.Average() - b.Average();
        var interval = Bootstrap.Difference(a, b)!;
        Assert.Equal(difference - 1.96 * se, interval.Low, 0.1 * 3.92 * se);
        Assert.Equal(difference + 1.96 * se, interval.High, 0.1 * 3.92 * se);
    }

    [Fact]
    public void Past_the_exact_limit_the_interval_matches_the_exact_bootstrap_of_the_same_values()
    {
        // 30,000 skewed values: the Poisson bootstrap over the histogram against resampling every value.
        var values = Draw(new Random(11), 30_000, r => Math.Pow(r.NextDouble(), 3));
        var exact = Bootstrap.Of(Bootstrap.Seed, ResampledMean.Of(values, exactLimit: int.MaxValue).Next);
        var binned = Bootstrap.Mean(values)!;
        var half = (exact.High - exact.Low) / 2;
        Assert.Equal(exact.Low, binned.Low, 0.1 * half);
        Assert.Equal(exact.High, binned.High, 0.1 * half);
    }

    [Fact]
    public void The_interval_of_two_million_proportions_matches_the_normal_approximation()
    {
        // 2,000,000 items, 37% hits: mean ± 1.96·sqrt(p(1-p)/n), drawn in bins, not item by item.
        var values = Enumerable.Range(0, 2_000_000).Select(i => i % 100 < 37 ? 1.0 : 0.0).ToArray();
        var interval = Bootstrap.Mean(values)!;
        var half = 1.96 * Math.Sqrt(0.37 * 0.63 / values.Length);
        Assert.Equal(0.37 - half, interval.Low, 0.1 * half);
        Assert.Equal(0.37 + half, interval.High, 0.1 * half);
    }

    [Fact]
    public void The_interval_of_many_continuous_values_matches_the_normal_approximation()
    {
        var values = Draw(new Random(13), 500_000, r => -Math.Log(1 - r.NextDouble()));
        var half = 1.96 * Math.Sqrt(Variance(values) / values.Length);
        var interval = Bootstrap.Mean(values)!;
        Assert.Equal(values.Average() - half, interval.Low, 0.1 * half);
        Assert.Equal(values.Average() + half, interval.High, 0.1 * half);
    }

    private static double Variance(double[] values)
    {
        var mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
    }

    private static ShortcutFinding Candidate(double regionMass, double otherMass) => new("cam", 0, "circle", "top-left corner", 0, 0, true,
        regionMass, otherMass, regionMass / otherMass, 5, 0.5, 0.1, null, Suspicious: true, "'circle': … — a likely shortcut");

    [Fact]
    public void A_candidate_whose_interval_clears_the_thresholds_stays_a_shortcut()
    {
        // 40 maps put 30–40% of their mass in the corner, 200 others 8–12%: the excess is 0.25 ± 0.01.
        var random = new Random(2);
        var mine = Draw(random, 40, r => 0.3 + 0.1 * r.NextDouble());
        var others = Draw(random, 200, r => 0.08 + 0.04 * r.NextDouble());
        var finding = ShortcutFinder.Confirm(Candidate(mine.Average(), others.Average()), mine, others);

        Assert.True(finding.Suspicious);
        Assert.True(finding.ExcessInterval!.Low > ShortcutFinder.MinExcessMass);
        Assert.True(finding.ExcessInterval.Contains(mine.Average() - others.Average()));
        Assert.Contains("95% interval of the excess", finding.Message);
    }

    [Fact]
    public void A_candidate_carried_by_a_few_maps_is_not_a_shortcut_when_its_interval_reaches_below_the_threshold()
    {
        // 10 maps: 2 put 90% of their mass in the corner, 8 put 10%: the mean excess (0.16) clears 7 points,
        // but a resample without the two is as likely as not to fall below it.
        var mine = new[] { 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 };
        var others = Enumerable.Repeat(0.1, 200).ToArray();
        var finding = ShortcutFinder.Confirm(Candidate(mine.Average(), others.Average()), mine, others);

        Assert.True(mine.Average() - others.Average() >= ShortcutFinder.MinExcessMass);
        Assert.False(finding.Suspicious);
        Assert.True(finding.ExcessInterval!.Low < ShortcutFinder.MinExcessMass);
        Assert.Contains("not enough evidence", finding.Message);
    }
}
