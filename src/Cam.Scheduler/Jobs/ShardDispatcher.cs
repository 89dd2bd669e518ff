using System.Collections.Concurrent;
using System.Text.Json;
using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using MassTransit;

namespace Cam.Scheduler.Jobs;

/// <summary>
/// Publishes shards with flow control: at most <see cref="SchedulerSettings.MaxOutstandingShards"/> published and
/// unfinished at once. Each publication takes a lease first; a shard whose lease expires is published again with
/// the next attempt number. State lives in the database, so a restarted scheduler carries on where it stopped.
/// </summary>
public sealed class ShardDispatcher(SchedulerSettings settings, JobStore store, JobService jobs, IServiceScopeFactory scopes, ILogger<ShardDispatcher> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, (JobSpec Spec, string DatasetRoot)> specs = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("dispatch round failed, retrying: {Reason}", e.Message);
            }
            await Task.Delay(settings.DispatchInterval, stoppingToken);
        }
    }

    public async Task DispatchOnceAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var endpoint = await scope.ServiceProvider.GetRequiredService<ISendEndpointProvider>().GetSendEndpoint(new Uri($"queue:{QueueNames.ExplainShard}"));
        var now = DateTime.UtcNow;
        foreach (var shard in await store.ExpiredLeasesAsync(now, settings.MaxOutstandingShards, ct))
        {
            logger.LogWarning("shard {Job}/{Shard}: lease expired after attempt {Attempt}; publishing it again", shard.JobId, shard.Number, shard.Attempts);
            await PublishAsync(endpoint, shard, ct);
        }
        var budget = settings.MaxOutstandingShards - await store.OutstandingShardsAsync(ct);
        foreach (var job in await store.RunningJobsAsync(ct))
        {
            if (budget > 0)
            {
                foreach (var shard in await store.PendingShardsAsync(job.Id, budget, ct))
                    if (await PublishAsync(endpoint, shard, ct)) budget--;
            }
            if (job.EnumerationDone && job.FinishedShards >= job.TotalShards) await store.TryFinishJobAsync(job.Id, ct);
        }
    }

    private async Task<bool> PublishAsync(ISendEndpoint endpoint, ShardRow shard, CancellationToken ct)
    {
        var attempt = await store.TryLeaseAsync(shard.JobId, shard.Number, shard.Attempts, DateTime.UtcNow + settings.Lease, ct);
        if (attempt is null) return false;
        var (spec, datasetRoot) = await SpecAsync(shard.JobId, ct);
        var items = await store.ItemsOfShardAsync(shard.JobId, shard.Number, ct);
        await endpoint.Send(new ExplainShard
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
            Items = items.Where(i => i.State != ItemState.Failed).Select(i => new ItemRef(i.Number, i.Number, i.Path, i.Label,
                i.Boxes is null ? null : JsonSerializer.Deserialize<float[][]>(i.Boxes)!.Select(b => new BoxRef(b[0], b[1], b[2], b[3])).ToList())).ToList(),
        }, ct);
        return true;
    }

    private async Task<(JobSpec, string)> SpecAsync(Guid jobId, CancellationToken ct)
    {
        if (specs.TryGetValue(jobId, out var cached)) return cached;
        var job = await store.GetJobAsync(jobId, ct) ?? throw new InvalidOperationException($"job {jobId} vanished");
        var spec = JsonSerializer.Deserialize<JobSpec>(job.Spec, JsonSerializerOptions.Web)!;
        var root = jobs.WorkerDatasetRoot(Cam.Datasets.DatasetSources.Open(jobs.DatasetPath(spec)));
        return specs[jobId] = (spec, root);
    }
}
