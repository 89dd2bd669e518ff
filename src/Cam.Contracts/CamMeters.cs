using System.Diagnostics.Metrics;

namespace Cam.Contracts;

/// <summary>
/// How every role makes its instruments, per OpenTelemetry's semantic conventions: dotted names under <c>cam.</c>,
/// counts annotated with a <c>{unit}</c>, durations in seconds. Prometheus sees the dots as underscores, counters
/// ending in <c>_total</c> and durations in <c>_seconds</c> (docs/metrics.md lists them).
/// </summary>
public static class CamMeters
{
    /// <summary>A monotonic count of <paramref name="unit"/> (<c>{item}</c>, <c>{shard}</c>, …).</summary>
    public static Counter<long> Count(this Meter meter, string name, string unit, string description) =>
        meter.CreateCounter<long>(Named(name), Annotation(unit), description);

    /// <summary>A distribution of sizes in <paramref name="unit"/>, over the given bucket boundaries.</summary>
    public static Histogram<long> Sizes(this Meter meter, string name, string unit, string description, long[] buckets) =>
        meter.CreateHistogram(Named(name), Annotation(unit), description, tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = buckets });

    /// <summary>A duration in seconds (its name ends in <c>.duration</c>); OpenTelemetry's default buckets when none are given.</summary>
    public static Histogram<double> Seconds(this Meter meter, string name, string description, double[]? buckets = null) =>
        meter.CreateHistogram(Named(name, suffix: ".duration"), "s", description, tags: null,
            advice: buckets is null ? null : new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });

    private static string Named(string name, string suffix = "") =>
        name.StartsWith("cam.", StringComparison.Ordinal) && name.EndsWith(suffix, StringComparison.Ordinal) ? name
            : throw new ArgumentException($"instrument name '{name}' must start with 'cam.' and end with '{suffix}'", nameof(name));

    private static string Annotation(string unit) =>
        unit is ['{', .., '}'] ? unit : throw new ArgumentException($"count unit '{unit}' must be a {{annotation}}", nameof(unit));
}
