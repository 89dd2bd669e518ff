using Cam.Hosting;
using Cam.Scheduler.Telemetry;
using System.Collections.Concurrent;
using Cam.Datasets;
using Cam.Specs;
using Cam.Storage;
using Cam.Storage.Entities;

namespace Cam.Scheduler.Jobs;

/// <summary>
/// Streams a job's dataset into items and shards as it goes, so that shards are dispatched before enumeration ends
/// and a 2-million-image dataset is never held in memory. Shard contents are deterministic (stable order, fixed
/// size), so an enumeration interrupted by a restart or an error resumes by skipping the shards already stored.
/// An item the source cannot describe is an item error; any other failure (the database, the data volume, a bug
/// in a source) is retried with back-off, and after the last attempt fails the job with its reason.
/// </summary>
public sealed class JobEnumerator(SchedulerSettings settings, JobStore store, DatasetLocator datasets, ILogger<JobEnumerator> logger) : IDisposable
{
    private readonly ConcurrentDictionary<Guid, Task> running = new();
    private readonly CancellationTokenSource stopping = new();

    public void Start(Guid jobId, JobSpec spec) =>
        running.GetOrAdd(jobId, _ => Task.Run(() => RunAsync(jobId, spec, stopping.Token)));

    /// <summary>Whether this scheduler is enumerating the job now.</summary>
    public bool IsEnumerating(Guid jobId) => running.ContainsKey(jobId);

    private async Task RunAsync(Guid jobId, JobSpec spec, CancellationToken ct)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await EnumerateAsync(jobId, spec, ct);
                    return;
                }
                catch (Exception e) when (!ct.IsCancellationRequested && attempt <= settings.EnumerationRetryDelays.Count)
                {
                    var delay = settings.EnumerationRetryDelays[attempt - 1];
                    logger.LogWarning("job {Job}: enumeration attempt {Attempt} failed, trying again in {Delay}s: {Error}", jobId, attempt,
                        delay.TotalSeconds, Describe(e));
                    await Task.Delay(delay, ct);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    logger.LogError("job {Job}: enumeration failed after {Attempts} attempts; the job fails: {Error}", jobId, attempt, Describe(e));
                    await store.TryFailJobAsync(jobId, $"the dataset cannot be read: {Describe(e)}", ct);
                    return;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Failing the job failed too (the database is away): the resumer takes the job up again later.
            logger.LogError("job {Job}: enumeration stopped and the job could not be failed; it will be resumed: {Error}", jobId, Describe(e));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            running.TryRemove(jobId, out _);
        }
    }

    private async Task EnumerateAsync(Guid jobId, JobSpec spec, CancellationToken ct)
    {
        var source = datasets.Open(spec);
        var shardSize = spec.ShardSize ?? settings.DefaultShardSize;
        var shard = new List<ItemRow>(shardSize);
        var batch = new List<ShardItems>();
        var batchItems = 0;
        var shardNumber = 0;
        await foreach (var item in source.EnumerateAsync(ct))
        {
            var (row, error) = ItemRows.From(jobId, shardNumber, item);
            shard.Add(row);
            if (error is not null)
            {
                await store.RecordEnumerationErrorAsync(jobId, item.Number, error, ct);
                SchedulerTelemetry.ItemsRejected.Add(1, CamTelemetry.Job(jobId));
            }
            if (shard.Count < shardSize) continue;
            batch.Add(new ShardItems(shardNumber, shard));
            batchItems += shard.Count;
            shard = new List<ItemRow>(shardSize);
            shardNumber++;
            // The first shard goes alone, so that dispatch starts at once; then in batches, a transaction each.
            if (shardNumber > 1 && batchItems < settings.EnumerationBatchItems) continue;
            if (!await store.IsJobRunningAsync(jobId, ct)) return;
            await store.AddShardsAsync(jobId, batch, ct);
            SchedulerTelemetry.ItemsEnumerated.Add(batchItems, CamTelemetry.Job(jobId));
            (batch, batchItems) = ([], 0);
        }
        if (shard.Count > 0) batch.Add(new ShardItems(shardNumber, shard));
        await store.AddShardsAsync(jobId, batch, ct);
        SchedulerTelemetry.ItemsEnumerated.Add(batch.Sum(s => s.Items.Count), CamTelemetry.Job(jobId));
        await store.MarkEnumerationDoneAsync(jobId, ct);
        SchedulerTelemetry.Finished(await store.TryFinishJobAsync(jobId, ct));
    }

    private static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message}";

    public void Dispose()
    {
        stopping.Cancel();
        stopping.Dispose();
    }
}
