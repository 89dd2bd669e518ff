using Cam.Contracts;
using Cam.Hosting;
using Cam.Storage;
using Cam.Worker.Telemetry;

namespace Cam.Worker;

/// <summary>What became of one delivery of a shard.</summary>
public abstract record ShardRunOutcome
{
    /// <summary>Explained and stored; to be reported.</summary>
    public sealed record Completed(ShardCompleted Report) : ShardRunOutcome;

    /// <summary>This attempt failed for good (not a transient fault); to be reported, the scheduler decides whether to try again.</summary>
    public sealed record Failed(ShardFailed Report) : ShardRunOutcome;

    /// <summary>Nothing to do: the shard is claimed by another attempt, finished, or its job ended.</summary>
    public sealed record Dropped(string Why) : ShardRunOutcome;
}

/// <summary>
/// Runs one delivered shard: claims it in the database first (a superseded copy finds nothing to claim and is
/// dropped without doing the work), renews the claim while the processor works, stores results only under the
/// claim, and sorts failures into transient (thrown, for the message to be retried as it is) and permanent
/// (reported as a failed attempt).
/// </summary>
public sealed class ShardRunner(WorkerSettings settings, ShardLifecycle claims, ShardProcessor processor, ILogger<ShardRunner> logger)
{
    public async Task<ShardRunOutcome> RunAsync(ExplainShard shard, CancellationToken ct)
    {
        // A child of MassTransit's consume activity: the shard's trace runs on from its publication.
        using var activity = WorkerTelemetry.Source.StartActivity("explain shard");
        activity?.SetTag(CamTelemetry.JobAttribute, shard.JobId.ToString());
        activity?.SetTag("cam.shard", shard.ShardNumber);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await RunClaimedAsync(shard, ct);
        var name = outcome switch { ShardRunOutcome.Completed => "completed", ShardRunOutcome.Failed => "failed", _ => "dropped" };
        activity?.SetTag(CamTelemetry.OutcomeAttribute, name);
        WorkerTelemetry.ShardDuration.Record(clock.Elapsed.TotalSeconds, CamTelemetry.Outcome(name));
        return outcome;
    }

    private async Task<ShardRunOutcome> RunClaimedAsync(ExplainShard shard, CancellationToken ct)
    {
        var claim = await claims.TryClaimAsync(shard.JobId, shard.ShardNumber, settings.InstanceId, settings.Lease, ct);
        if (claim is null) return new ShardRunOutcome.Dropped("it is claimed by another attempt, finished, or its job ended");
        var heartbeat = new ShardHeartbeat(claims, claim, settings.HeartbeatInterval, logger, ct);
        try
        {
            using var processing = CancellationTokenSource.CreateLinkedTokenSource(heartbeat.Token, settings.Abandon);
            var report = await processor.ProcessAsync(shard with { Attempt = claim.Attempt }, claim, processing.Token);
            return new ShardRunOutcome.Completed(report with { Worker = settings.InstanceId });
        }
        catch (Exception e) when (heartbeat.Lost || e is ClaimLostException)
        {
            return new ShardRunOutcome.Dropped($"its claim (attempt {claim.Attempt}) was lost: its job ended or the shard went to another attempt");
        }
        catch (JobEndedException)
        {
            return new ShardRunOutcome.Dropped("its job ended");
        }
        catch (OperationCanceledException) when (settings.Abandon.IsCancellationRequested)
        {
            return new ShardRunOutcome.Dropped("the run was abandoned");
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // The worker is stopping: hand the shard back so that its redelivered message is claimed at once.
            await TryReleaseAsync(claim);
            throw;
        }
        catch (Exception e) when (!ShardFaults.IsTransient(e))
        {
            return new ShardRunOutcome.Failed(new ShardFailed
            {
                JobId = shard.JobId, ShardNumber = shard.ShardNumber, Attempt = claim.Attempt, Reason = ShardFaults.Reason(e),
                Worker = settings.InstanceId,
            });
        }
        finally
        {
            await heartbeat.DisposeAsync();
        }
    }

    private async Task TryReleaseAsync(ShardClaim claim)
    {
        try
        {
            await claims.TryReleaseClaimAsync(claim, settings.Lease, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning("shard {Job}/{Shard}: could not hand the claim back (it runs out by itself): {Reason}", claim.JobId,
                claim.ShardNumber, e.Message);
        }
    }
}
