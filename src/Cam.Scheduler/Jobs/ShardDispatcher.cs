using Cam.Hosting;
using System.Collections.Concurrent;
using System.Text.Json;
using Cam.Contracts;
using Cam.Specs;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Scheduler.Telemetry;
using MassTransit;

namespace Cam.Scheduler.Jobs;

/// <summary>
/// Publishes shards with flow control: at most <see cref="SchedulerSettings.MaxOutstandingShards"/> shards of running
/// jobs published or running at once. A worker claims a shard when it starts it and renews the claim while it
/// works; a claim that runs out (the worker died) is a failed attempt, and the shard is published again until
/// <see cref="SchedulerSettings.MaxAttempts"/> attempts have failed. A shard that waited in the queue longer than
/// <see cref="SchedulerSettings.QueueTimeout"/> without being claimed is published again; the older copy finds it
/// taken and is dropped. The queue delivers in order, so a published shard overtaken by a later one that a worker
/// claimed (<see cref="SchedulerSettings.OvertakenAfter"/> after its publication) lost its message: that counts as a
/// failed attempt, and the shard is published again at once rather than after the queue timeout. State lives in the database, so a restarted
/// scheduler carries on where it stopped. A
/// job whose shards cannot be dispatched is logged and skipped, and does not hold up the others.
/// </summary>
public sealed class ShardDispatcher(SchedulerSettings settings, JobStore store, ShardLifecycle shards, DatasetLocator datasets,
    IServiceScopeFactory scopes, ILogger<ShardDispatcher> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, (JobSpec Spec, string DatasetRoot)> specs = new();

    /// <summary>A round every <see cref="SchedulerSettings.DispatchInterval"/>; a failed round is logged and the next one tries again.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundRounds.RunAsync(DispatchOnceAsync, settings.DispatchInterval,
            e => logger.LogWarning("dispatch round failed, retrying: {Reason}", e.Message), stoppingToken);

    public async Task DispatchOnceAsync(CancellationToken ct)
    {
        var round = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await DispatchRoundAsync(ct);
        }
        finally
        {
            SchedulerTelemetry.DispatchRound.Record(round.Elapsed.TotalSeconds);
        }
    }

    private async Task DispatchRoundAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var endpoint = await scope.ServiceProvider.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(ShardQueueAddress);
        var now = DateTime.UtcNow;
        foreach (var shard in await store.ExpiredLeasesAsync(now, settings.MaxOutstandingShards, ct))
        {
            await DispatchJobAsync(shard.JobId, () => FailAttemptAsync(shard,
                $"the worker running attempt {shard.Attempts} ({shard.ClaimedBy}) stopped renewing its lease: it died or lost the database",
                leaseExpiredBefore: now, unclaimedOnly: false, ct), ct);
        }
        foreach (var shard in await store.UnclaimedAsync(now, settings.MaxOutstandingShards, ct))
        {
            logger.LogWarning("shard {Job}/{Shard}: attempt {Attempt} not claimed within {Timeout}s; publishing it again", shard.JobId,
                shard.Number, shard.Attempts,
                settings.QueueTimeout.TotalSeconds);
            await DispatchJobAsync(shard.JobId, () => PublishAsync(endpoint, shard, ct), ct);
        }
        foreach (var shard in await store.OvertakenAsync(now - settings.OvertakenAfter, settings.MaxOutstandingShards, ct))
        {
            // A failed attempt, so that a message that never gets claimed (one that kills every worker before its
            // claim, dead-lettered each time) ends the shard after its attempts instead of coming back for good.
            await DispatchJobAsync(shard.JobId, () => FailAttemptAsync(shard,
                $"the message of attempt {shard.Attempts} was lost: a shard published after it was claimed first",
                leaseExpiredBefore: null, unclaimedOnly: true, ct), ct);
        }
        var budget = settings.MaxOutstandingShards - await store.OutstandingShardsAsync(ct);
        foreach (var job in await store.RunningJobsAsync(ct))
        {
            await DispatchJobAsync(job.Id, async () =>
            {
                if (budget > 0)
                {
                    foreach (var shard in await store.PendingShardsAsync(job.Id, budget, ct))
                        if (await PublishAsync(endpoint, shard, ct)) budget--;
                }
                if (job.EnumerationDone && job.FinishedShards >= job.TotalShards) SchedulerTelemetry.Finished(await store.TryFinishJobAsync(job.Id,
                    ct));
            }, ct);
        }
    }

    /// <summary>Counts a failed attempt the dispatcher found (see <see cref="ShardLifecycle.TryFailAttemptAsync"/> for the guards); the job may end
    /// with it.</summary>
    private async Task FailAttemptAsync(ShardRow shard, string reason, DateTime? leaseExpiredBefore, bool unclaimedOnly, CancellationToken ct)
    {
        var outcome = await shards.TryFailAttemptAsync(shard.JobId, shard.Number, shard.Attempts, reason, settings.MaxAttempts, leaseExpiredBefore,
            unclaimedOnly, ct);
        if (outcome != AttemptOutcome.NotCounted)
        {
            logger.LogWarning("shard {Job}/{Shard}: {Reason}; {Outcome}", shard.JobId, shard.Number, reason, outcome);
            SchedulerTelemetry.AttemptsFailed.Add(1, CamTelemetry.Job(shard.JobId),
                new(SchedulerTelemetry.ReasonAttribute, unclaimedOnly ? "overtaken" : "lease_expired"));
            if (unclaimedOnly) SchedulerTelemetry.ShardsOvertaken.Add(1, CamTelemetry.Job(shard.JobId));
        }
        if (outcome == AttemptOutcome.ShardFailed)
        {
            SchedulerTelemetry.ShardsFailed.Add(1, CamTelemetry.Job(shard.JobId));
            SchedulerTelemetry.Finished(await store.TryFinishJobAsync(shard.JobId, ct));
        }
    }

    /// <summary>The shard queue's exchange: the queue is declared with its arguments elsewhere (by the workers, and by <c>ShardQueueDeclarer</c> on
    /// RabbitMQ).</summary>
    public static Uri ShardQueueAddress { get; } = new($"exchange:{QueueNames.ExplainShard}");

    /// <summary>Runs one job's part of a round; a failure is logged and costs that job its turn, not the round.</summary>
    private async Task DispatchJobAsync(Guid jobId, Func<Task> dispatch, CancellationToken ct)
    {
        try
        {
            await dispatch();
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            specs.TryRemove(jobId, out _);
            logger.LogWarning("job {Job}: its shards could not be dispatched this round: {Error}", jobId, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<bool> PublishAsync(ISendEndpoint endpoint, ShardRow shard, CancellationToken ct)
    {
        var (spec, datasetRoot) = await SpecAsync(shard.JobId, ct);
        var items = await store.ItemsOfShardAsync(shard, ct);
        var attempt = await shards.TryPublishAsync(shard.JobId, shard.Number, shard.Attempts, DateTime.UtcNow + settings.QueueTimeout, ct);
        if (attempt is null) return false;
        // The trace of the shard starts here: MassTransit carries it in the message to the worker, and back in its report.
        using var activity = SchedulerTelemetry.Source.StartActivity("publish shard", System.Diagnostics.ActivityKind.Producer);
        activity?.SetTag(CamTelemetry.JobAttribute, shard.JobId.ToString());
        activity?.SetTag("cam.shard", shard.Number);
        activity?.SetTag("cam.attempt", attempt.Value);
        var message = new ExplainShard
        {
            JobId = shard.JobId,
            ShardNumber = shard.Number,
            Attempt = attempt.Value,
            Model = new ModelReference(spec.Model),
            Methods = spec.Methods,
            TargetLayers = spec.Layers,
            Classes = ClassPolicy.Parse(spec.Classes),
            Normalized = spec.Normalized,
            ComputeMetrics = spec.Metrics,
            MetricSteps = spec.MetricSteps,
            DatasetRoot = datasetRoot,
            Items = items.Where(i => i.State != ItemState.Failed).Select(i => new ItemRef(i.Number, i.Path, i.Label,
                i.Boxes is null ? null : JsonSerializer.Deserialize<float[][]>(i.Boxes)!.Select(b => new BoxRef(b[0], b[1], b[2],
                    b[3])).ToList())).ToList(),
        };
        // Bounded: a send that waits on a broker connection which never comes back (seen after a broker restart) must
        // not hold up every dispatch round; the shard goes back to pending and is sent again.
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(ct);
        sending.CancelAfter(settings.SendTimeout);
        try
        {
            // Mandatory: a message no queue takes (the queue deleted) is an error here, not a silent loss.
            await endpoint.Send(message, context =>
            {
                if (context.TryGetPayload<RabbitMqSendContext>(out var rabbit)) rabbit.Mandatory = true;
            }, sending.Token);
        }
        catch (Exception e)
        {
            await shards.TryReturnUnsentAsync(shard.JobId, shard.Number, attempt.Value, CancellationToken.None);
            if (e is OperationCanceledException && !ct.IsCancellationRequested)
                throw new TimeoutException($"shard {shard.JobId}/{shard.Number}: the broker did not take the message within " +
                    $"{settings.SendTimeout.TotalSeconds}s", e);
            throw;
        }
        SchedulerTelemetry.ShardsPublished.Add(1, CamTelemetry.Job(shard.JobId));
        return true;
    }

    private async Task<(JobSpec, string)> SpecAsync(Guid jobId, CancellationToken ct)
    {
        if (specs.TryGetValue(jobId, out var cached)) return cached;
        var job = await store.GetJobAsync(jobId, ct) ?? throw new InvalidOperationException($"job {jobId} vanished");
        var spec = StoredJobSpec.Read(jobId, job.Spec);
        // Jobs stored before the dataset root was kept: found from the dataset itself, which must still be there.
        var root = job.DatasetRoot ?? datasets.WorkerRoot(datasets.Open(spec));
        return specs[jobId] = (spec, root);
    }
}
