using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cam.Contracts;

namespace Cam.Worker.Telemetry;

/// <summary>
/// The worker's meter and activity source (names per OpenTelemetry's semantic conventions; docs/metrics.md lists them
/// with their Prometheus names). Items and results are counted when the transaction that stores them under the
/// shard's claim commits, which also counts them into the job: so, summed over workers, <c>cam.items.processed</c>
/// equals the job's succeeded and failed items in the database, and <c>cam.results</c> its results per method.
/// </summary>
public static class WorkerTelemetry
{
    public const string Name = "Cam.Worker";
    public static readonly Meter Meter = new(Name);
    public static readonly ActivitySource Source = new(Name);

    /// <summary>Items stored, per job, by <c>cam.outcome</c> (succeeded: some method explained it; failed: an item error).</summary>
    public static readonly Counter<long> ItemsProcessed = Meter.Count("cam.items.processed", "{item}", "Items explained or failed, stored");
    /// <summary>Maps stored, per job and method.</summary>
    public static readonly Counter<long> Results = Meter.Count("cam.results", "{result}", "Maps stored, per method");
    /// <summary>Items a method failed on (the item may stand by the other methods), per job and method.</summary>
    public static readonly Counter<long> MethodFailures = Meter.Count("cam.method.failures", "{item}", "Items a method failed on");
    /// <summary>A shard's run on this worker, by <c>cam.outcome</c>: completed, failed, dropped.</summary>
    public static readonly Histogram<double> ShardDuration = Meter.Seconds("cam.shard.duration",
        "One shard on a worker, from its claim to its stored results", [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200]);
    /// <summary>A batch's time by <c>cam.stage</c>: decode (images read and decoded), preprocess (the input tensor), compute (the methods on the
    /// device).</summary>
    public static readonly Histogram<double> BatchDuration = Meter.Seconds("cam.batch.duration",
        "One batch's decode, preprocess and device compute", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
    public static readonly Counter<long> ModelCacheHits = Meter.Count("cam.model_cache.hits", "{rent}", "Model rents served by a loaded instance");
    public static readonly Counter<long> ModelCacheMisses = Meter.Count("cam.model_cache.misses", "{rent}", "Model rents that loaded a package");
    public static readonly Counter<long> ModelCacheEvictions =
        Meter.Count("cam.model_cache.evictions", "{instance}", "Idle model instances disposed beyond the cache size");

    public const string MethodAttribute = "cam.method";
    public const string StageAttribute = "cam.stage";
    public const string DeviceAttribute = "cam.device";

    public static KeyValuePair<string, object?> Stage(string stage) => new(StageAttribute, stage);
}
