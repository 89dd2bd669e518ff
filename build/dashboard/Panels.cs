namespace Cam.DashboardSnapshot;

/// <summary>A panel's lines: (seconds, value) points per legend.</summary>
public sealed record Panel(string Title, string Unit, IReadOnlyDictionary<string, IReadOnlyList<(double X, double Y)>> Lines);

/// <summary>
/// The dashboard's panels computed from the scrapes as its PromQL does: rates of counters between consecutive scrapes
/// (summed over processes), gauges as they are, quantiles of the shard-duration histogram over a trailing window.
/// </summary>
public static class Panels
{
    public static IReadOnlyList<Panel> From(IReadOnlyList<Scrape> scrapes, double window)
    {
        var times = scrapes.Select(s => Math.Round(s.Seconds)).Distinct().Order().ToList();
        return
        [
            new("Throughput (items/s)", "/s", new Dictionary<string, IReadOnlyList<(double, double)>>
            {
                ["items/s"] = Rate(scrapes, times, window, s => s.Sum("cam_items_processed_total")),
            }),
            new("Progress per job", "%", Jobs(scrapes).ToDictionary(job => job[..8], job => (IReadOnlyList<(double, double)>)scrapes
                .Where(s => s.Samples.Any(x => x.Name == "cam_job_items" && x.Label("cam_job") == job))
                .Select(s => (s.Seconds,
                    100 * s.Sum("cam_job_items", x => x.Label("cam_job") == job && x.Label("cam_item_state") is "succeeded" or "failed")
                                          / Math.Max(1, s.Sum("cam_job_items", x => x.Label("cam_job") == job
                                              && x.Label("cam_item_state") == "total")))).ToList())),
            new("Failures (per s)", "/s", new Dictionary<string, IReadOnlyList<(double, double)>>
            {
                ["failed items"] = Rate(scrapes, times, window, s => s.Sum("cam_items_processed_total", x => x.Label("cam_outcome") == "failed")),
                ["method failures"] = Rate(scrapes, times, window, s => s.Sum("cam_method_failures_total")),
            }),
            new("Shard latency (s)", "s", new[] { 0.5, 0.95, 0.99 }.ToDictionary(q => $"p{q * 100:0}",
                q => (IReadOnlyList<(double, double)>)Quantile(scrapes, times, window, q))),
            new("Device memory (MB)", "MB", scrapes.Where(s => s.Samples.Any(x => x.Name == "cam_device_memory_used_bytes")).GroupBy(s => s.Source)
                .ToDictionary(g => $"used, {g.Key}",
                    g => (IReadOnlyList<(double, double)>)g.Select(s => (s.Seconds, s.Sum("cam_device_memory_used_bytes") / 1e6)).ToList())),
            new("Queue depth (shards)", "",
                new[] { "pending", "published", "running" }.ToDictionary(state => state, state => (IReadOnlyList<(double, double)>)scrapes
                .Where(s => s.Samples.Any(x => x.Name == "cam_shards_outstanding"))
                .Select(s => (s.Seconds, s.Sum("cam_shards_outstanding", x => x.Label("cam_state") == state))).ToList())),
        ];
    }

    private static IEnumerable<string> Jobs(IReadOnlyList<Scrape> scrapes) =>
        scrapes.SelectMany(s => s.Samples).Where(x => x.Name == "cam_job_items").Select(x => x.Label("cam_job")).Distinct().Order();

    /// <summary>A counter's total over every process at each time (each process's latest scrape up to it), then its rate over the window.</summary>
    private static List<(double, double)> Rate(IReadOnlyList<Scrape> scrapes, IReadOnlyList<double> times, double window, Func<Scrape, double> value)
    {
        double Total(double t) => scrapes.Where(s => s.Seconds <= t + 0.5).GroupBy(s => s.Source).Sum(g => value(g.Last()));
        return times.Where(t => t >= window).Select(t => (t, (Total(t) - Total(t - window)) / window)).ToList();
    }

    /// <summary>histogram_quantile over the buckets' increase in the window, as Prometheus interpolates within a bucket.</summary>
    private static List<(double, double)> Quantile(IReadOnlyList<Scrape> scrapes, IReadOnlyList<double> times, double window, double q)
    {
        Dictionary<double, double> Buckets(double t) => scrapes.Where(s => s.Seconds <= t + 0.5).GroupBy(s => s.Source).Select(g => g.Last())
            .SelectMany(s => s.Samples).Where(x => x.Name == "cam_shard_duration_seconds_bucket" && x.Label("cam_outcome") == "completed")
            .GroupBy(x => x.Label("le") == "+Inf" ? double.PositiveInfinity
                : double.Parse(x.Label("le"), System.Globalization.CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Sum(x => x.Value));
        var points = new List<(double, double)>();
        foreach (var t in times.Where(t => t >= window))
        {
            var (now, before) = (Buckets(t), Buckets(t - window));
            var increase = now.OrderBy(b => b.Key).Select(b => (Le: b.Key, Count: b.Value - before.GetValueOrDefault(b.Key))).ToList();
            if (increase.Count == 0 || increase[^1].Count <= 0) continue;
            var rank = q * increase[^1].Count;
            var (lower, below) = (0.0, 0.0);
            foreach (var (le, count) in increase)
            {
                if (count >= rank)
                {
                    points.Add((t, double.IsInfinity(le) ? lower : lower + (le - lower) * (rank - below) / Math.Max(count - below, 1e-9)));
                    break;
                }
                (lower, below) = (le, count);
            }
        }
        return points;
    }
}
