namespace Cam.Cli.Commands.PipelineBench;

/// <summary>One observation of a job's progress: seconds since submission and items finished (succeeded or failed).</summary>
public readonly record struct ProgressSample(double Seconds, long Done);

/// <summary>
/// A job's throughput from its progress samples: the rate over each tenth of the job (the time between the moments
/// the finished count crossed k/10 and (k+1)/10 of the items, interpolated between samples), and items per second
/// per hundredth for the plot. The first tenth starts at the first finished item, so that start-up (the first
/// shard's enumeration and dispatch) is not counted as pipeline speed; the overall rate counts from submission.
/// </summary>
public static class ThroughputProfile
{
    public static IReadOnlyList<double> RatePerFraction(IReadOnlyList<ProgressSample> samples, long total, int fractions)
    {
        if (total <= 0 || samples.Count == 0) return [];
        var rates = new List<double>(fractions);
        var previous = StartOfWork(samples);
        for (var k = 1; k <= fractions; k++)
        {
            var mark = CrossingTime(samples, (double)total * k / fractions);
            if (mark is null) break;
            var items = (double)total / fractions;
            rates.Add(mark.Value > previous ? items / (mark.Value - previous) : double.PositiveInfinity);
            previous = mark.Value;
        }
        return rates;
    }

    /// <summary>The moment just before the first item finished: the last sample with none done.</summary>
    private static double StartOfWork(IReadOnlyList<ProgressSample> samples)
    {
        var start = samples[0].Seconds;
        foreach (var s in samples)
        {
            if (s.Done > 0) break;
            start = s.Seconds;
        }
        return start;
    }

    /// <summary>When the finished count reached <paramref name="target"/>, linearly interpolated; null if it never did.</summary>
    public static double? CrossingTime(IReadOnlyList<ProgressSample> samples, double target)
    {
        for (var i = 0; i < samples.Count; i++)
        {
            if (samples[i].Done < target) continue;
            if (i == 0) return samples[0].Seconds;
            var (a, b) = (samples[i - 1], samples[i]);
            var share = (target - a.Done) / (b.Done - a.Done);
            return a.Seconds + share * (b.Seconds - a.Seconds);
        }
        return null;
    }
}
