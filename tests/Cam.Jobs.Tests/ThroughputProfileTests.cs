using Cam.Cli.Commands.PipelineBench;

namespace Cam.Jobs.Tests;

public class ThroughputProfileTests
{
    /// <summary>Nothing for 1 s, then 100 items/s up to 500 items, then 50 items/s up to 1,000; sampled every 0.25 s.</summary>
    private static List<ProgressSample> TwoSpeeds(double until = 16)
    {
        static double Done(double t) => t <= 1 ? 0 : t <= 6 ? 100 * (t - 1) : Math.Min(1000, 500 + 50 * (t - 6));
        return Enumerable.Range(0, (int)(until / 0.25) + 1).Select(i => new ProgressSample(i * 0.25, (long)Done(i * 0.25))).ToList();
    }

    [Fact]
    public void Each_tenth_gets_the_rate_at_which_its_items_finished_counted_from_the_first_finished_item()
    {
        var rates = ThroughputProfile.RatePerFraction(TwoSpeeds(), 1000, 10);
        Assert.Equal(10, rates.Count);
        for (var k = 0; k < 10; k++) Assert.Equal(k < 5 ? 100 : 50, rates[k], 6);
    }

    [Fact]
    public void A_crossing_between_samples_is_interpolated()
    {
        List<ProgressSample> samples = [new(0, 0), new(2, 100), new(4, 300)];
        Assert.Equal(1.0, ThroughputProfile.CrossingTime(samples, 50)!.Value, 9);
        Assert.Equal(3.0, ThroughputProfile.CrossingTime(samples, 200)!.Value, 9);
        Assert.Null(ThroughputProfile.CrossingTime(samples, 301));
    }

    [Fact]
    public void An_unfinished_job_has_rates_only_for_the_tenths_it_completed()
    {
        var rates = ThroughputProfile.RatePerFraction(TwoSpeeds(until: 7), 1000, 10); // 550 items done
        Assert.Equal(5, rates.Count);
        Assert.All(rates, r => Assert.Equal(100, r, 6));
    }
}
