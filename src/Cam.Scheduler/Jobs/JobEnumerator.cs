using System.Collections.Concurrent;
using System.Text.Json;
using Cam.Datasets;
using Cam.Storage;
using Cam.Storage.Entities;

namespace Cam.Scheduler.Jobs;

/// <summary>
/// Streams a job's dataset into items and shards as it goes, so that shards are dispatched before enumeration ends
/// and a 2-million-image dataset is never held in memory. Shard contents are deterministic (stable order, fixed
/// size), so an enumeration interrupted by a restart resumes by skipping the shards already stored.
/// </summary>
public sealed class JobEnumerator(SchedulerSettings settings, JobStore store, IServiceProvider services, ILogger<JobEnumerator> logger)
{
    private readonly ConcurrentDictionary<Guid, Task> running = new();

    public void Start(Guid jobId, JobSpec spec) =>
        running.GetOrAdd(jobId, _ => Task.Run(() => EnumerateAsync(jobId, spec, CancellationToken.None)));

    public Task WhenIdleAsync() => Task.WhenAll(running.Values);

    private async Task EnumerateAsync(Guid jobId, JobSpec spec, CancellationToken ct)
    {
        try
        {
            var jobs = services.GetRequiredService<JobService>();
            var source = DatasetSources.Open(jobs.DatasetPath(spec));
            var shardSize = spec.ShardSize ?? settings.DefaultShardSize;
            var shard = new List<ItemRow>(shardSize);
            var shardNumber = 0;
            await foreach (var item in source.EnumerateAsync(ct))
            {
                shard.Add(new ItemRow
                {
                    JobId = jobId, Number = item.Number, ShardNumber = shardNumber, Path = item.Path, Label = item.Label,
                    Boxes = item.Boxes.Count == 0 ? null : JsonSerializer.Serialize(item.Boxes.Select(b => new[] { b.X0, b.Y0, b.X1, b.Y1 })),
                    State = item.Error is null ? ItemState.Pending : ItemState.Failed,
                });
                if (item.Error is not null) await store.RecordEnumerationErrorAsync(jobId, item.Number, item.Error, ct);
                if (shard.Count < shardSize) continue;
                if (!await store.IsJobRunningAsync(jobId, ct)) return;
                await store.AddShardAsync(jobId, shardNumber, shard, ct);
                shard = new List<ItemRow>(shardSize);
                shardNumber++;
            }
            if (shard.Count > 0) await store.AddShardAsync(jobId, shardNumber, shard, ct);
            await store.MarkEnumerationDoneAsync(jobId, ct);
            await store.TryFinishJobAsync(jobId, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or JobValidationException or ArgumentException)
        {
            logger.LogError("job {Job}: the dataset cannot be read: {Reason}", jobId, e.Message);
            await store.TryFailJobAsync(jobId, $"the dataset cannot be read: {e.Message}", ct);
        }
        finally
        {
            running.TryRemove(jobId, out _);
        }
    }
}

/// <summary>At start, resumes the enumeration of running jobs whose datasets were not fully read.</summary>
public sealed class EnumerationResumer(JobStore store, JobEnumerator enumerator, ILogger<EnumerationResumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var job in await store.RunningJobsAsync(stoppingToken))
        {
            if (job.EnumerationDone) continue;
            var spec = JsonSerializer.Deserialize<JobSpec>(job.Spec, JsonSerializerOptions.Web)!;
            logger.LogInformation("resuming the enumeration of job {Job} after {Shards} shards", job.Id, job.TotalShards);
            enumerator.Start(job.Id, spec);
        }
    }
}
