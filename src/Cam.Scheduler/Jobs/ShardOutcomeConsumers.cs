using Cam.Contracts;
using Cam.Hosting;
using Cam.Storage;
using Cam.Scheduler.Telemetry;
using MassTransit;

namespace Cam.Scheduler.Jobs;

/// <summary>
/// Ends the job when its last shard is done. Workers complete their shard in the transaction that stores its results;
/// a report from a worker that does not (an older one) counts the shard here, once however often it arrives, and only
/// when what it reports is stored.
/// </summary>
public sealed class ShardCompletedConsumer(JobStore store, ShardLifecycle shards, ILogger<ShardCompletedConsumer> logger) : IConsumer<ShardCompleted>
{
    public async Task Consume(ConsumeContext<ShardCompleted> context)
    {
        var report = context.Message;
        var counted = await shards.TryCompleteOnReportAsync(report, context.CancellationToken);
        if (counted != ShardReport.NotStored) SchedulerTelemetry.ShardsCompleted.Add(1, CamTelemetry.Job(report.JobId));
        if (counted == ShardReport.NotStored)
            logger.LogWarning("shard {Job}/{Shard}: attempt {Attempt} on {Worker} reported {Results} results, which are not in the database (a " +
                "commit the database lost?); not counted: the shard runs again when its lease runs out",
                report.JobId, report.ShardNumber, report.Attempt, report.Worker, report.Results);
        SchedulerTelemetry.Finished(await store.TryFinishJobAsync(report.JobId, context.CancellationToken));
    }
}

/// <summary>
/// Counts a failed attempt of a shard (once, for its current attempt): the shard is published again, or, when its
/// attempts have run out, its items become item errors with the reason and the job may end.
/// </summary>
public sealed class ShardFailedConsumer(JobStore store, ShardLifecycle shards, SchedulerSettings settings,
    ILogger<ShardFailedConsumer> logger) : IConsumer<ShardFailed>
{
    public async Task Consume(ConsumeContext<ShardFailed> context)
    {
        var failed = context.Message;
        var outcome = await shards.TryFailAttemptAsync(failed.JobId, failed.ShardNumber, failed.Attempt, failed.Reason, settings.MaxAttempts,
            ct: context.CancellationToken);
        if (outcome != AttemptOutcome.NotCounted)
        {
            logger.LogWarning("shard {Job}/{Shard}: attempt {Attempt} failed on {Worker}: {Reason}; {Outcome}", failed.JobId, failed.ShardNumber,
                failed.Attempt,
                failed.Worker, failed.Reason, outcome);
            SchedulerTelemetry.AttemptsFailed.Add(1, CamTelemetry.Job(failed.JobId),
                new(SchedulerTelemetry.ReasonAttribute, "reported"));
        }
        if (outcome == AttemptOutcome.ShardFailed)
        {
            SchedulerTelemetry.ShardsFailed.Add(1, CamTelemetry.Job(failed.JobId));
            SchedulerTelemetry.Finished(await store.TryFinishJobAsync(failed.JobId, context.CancellationToken));
        }
    }
}
