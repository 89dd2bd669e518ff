using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cam.Contracts;

namespace Cam.Scheduler.Telemetry;

/// <summary>
/// The scheduler's meter and activity source. Instrument names follow OpenTelemetry's semantic conventions (dotted,
/// counts with a <c>{unit}</c> annotation, durations in seconds); Prometheus sees them with dots as underscores,
/// counters ending in <c>_total</c> and durations in <c>_seconds</c> (docs/metrics.md lists them). Attributes carry
/// job ids, method names, states and outcomes only: never a dataset string.
/// </summary>
public static class SchedulerTelemetry
{
    public const string Name = "Cam.Scheduler";
    public static readonly Meter Meter = new(Name);
    public static readonly ActivitySource Source = new(Name);

    /// <summary>Items stored by the enumeration, per job.</summary>
    public static readonly Counter<long> ItemsEnumerated = Meter.Count("cam.items.enumerated", "{item}", "Items the enumeration stored");
    /// <summary>Items the enumeration stored as failed (a path outside the data root, a malformed manifest row): no worker sees them.</summary>
    public static readonly Counter<long> ItemsRejected =
        Meter.Count("cam.items.rejected", "{item}", "Items the enumeration stored as failed");
    public static readonly Counter<long> ShardsPublished = Meter.Count("cam.shards.published", "{shard}", "Shard messages sent to the workers");
    public static readonly Counter<long> ShardsCompleted =
        Meter.Count("cam.shards.completed", "{shard}", "Completion reports of workers counted");
    /// <summary>Failed attempts, by <c>cam.reason</c>: <c>reported</c> (the worker's error), <c>lease_expired</c>, <c>overtaken</c> (the message
    /// lost).</summary>
    public static readonly Counter<long> AttemptsFailed = Meter.Count("cam.shard.attempts.failed", "{attempt}", "Failed attempts of shards");
    public static readonly Counter<long> ShardsOvertaken = Meter.Count("cam.shards.overtaken", "{shard}",
        "Published shards whose message was lost (a later one was claimed first)");
    public static readonly Counter<long> ShardsFailed =
        Meter.Count("cam.shards.failed", "{shard}", "Shards whose attempts ran out (their items became item errors)");
    public static readonly Counter<long> JobsFinished = Meter.Count("cam.jobs.finished", "{job}", "Jobs that ended, by final state");
    public static readonly Histogram<double> DispatchRound = Meter.Seconds("cam.dispatch.round.duration", "One round of the shard dispatcher");
    public static readonly Histogram<double> ProbeDuration =
        Meter.Seconds("cam.probe.duration", "A submission's model probe, by outcome (answered, timeout)");

    public const string StateAttribute = "cam.state";
    /// <summary><c>cam.job.items</c>: which count (total, succeeded, failed); <see cref="JobStateAttribute"/>: the job's state.</summary>
    public const string ItemStateAttribute = "cam.item.state";
    public const string JobStateAttribute = "cam.job.state";
    public const string ReasonAttribute = "cam.reason";

    /// <summary>Counts a job's end (<paramref name="state"/> null: the job went on).</summary>
    public static void Finished(string? state)
    {
        if (state is not null) JobsFinished.Add(1, new KeyValuePair<string, object?>(StateAttribute, state));
    }
}
