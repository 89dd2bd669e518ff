using Cam.Contracts;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Storage;

/// <summary>
/// Jobs, shards and items. Every state change is a guarded update (<c>… WHERE state = expected</c>), so that a
/// replayed message or two racing schedulers change nothing twice.
/// </summary>
public sealed class JobStore(IDbContextFactory<CamDbContext> factory, StorageSettings settings)
{
    public async Task CreateJobAsync(Guid id, string specJson, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        db.Jobs.Add(new JobRow { Id = id, Spec = specJson, State = JobState.Running, CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Stores one shard's items and the shard itself, and counts them into the job, in one transaction.</summary>
    public async Task AddShardAsync(Guid jobId, int shardNumber, IReadOnlyList<ItemRow> items, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (await db.Shards.AnyAsync(s => s.JobId == jobId && s.Number == shardNumber, ct)) return;
            if (settings.Provider == StorageProvider.Postgres)
                await PostgresBulk.CopyItemsAsync(db, items, ct);
            else
            {
                db.Items.AddRange(items);
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            db.Shards.Add(new ShardRow
            {
                JobId = jobId, Number = shardNumber, State = ShardState.Pending, FirstItem = items[0].Number, ItemCount = items.Count,
            });
            await db.SaveChangesAsync(ct);
            await db.Jobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.TotalItems, j => j.TotalItems + items.Count)
                .SetProperty(j => j.TotalShards, j => j.TotalShards + 1), ct);
            await tx.CommitAsync(ct);
        });
    }

    /// <summary>An item the dataset could not describe (a malformed manifest row): an item error of stage "manifest", once.</summary>
    public async Task RecordEnumerationErrorAsync(Guid jobId, long itemNumber, string message, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        if (await db.ItemErrors.AnyAsync(e => e.JobId == jobId && e.ItemNumber == itemNumber && e.Stage == "manifest", ct)) return;
        db.ItemErrors.Add(new ItemErrorRow { JobId = jobId, ItemNumber = itemNumber, Stage = "manifest", Message = message, At = DateTime.UtcNow });
        await db.SaveChangesAsync(ct);
    }

    public async Task MarkEnumerationDoneAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.Jobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s.SetProperty(j => j.EnumerationDone, true), ct);
    }

    public async Task<JobRow?> GetJobAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct);
    }

    public async Task<IReadOnlyList<JobRow>> ListJobsAsync(int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().OrderByDescending(j => j.CreatedAt).Take(limit).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<JobRow>> RunningJobsAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().Where(j => j.State == JobState.Running).ToListAsync(ct);
    }

    public async Task<int> OutstandingShardsAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Shards.CountAsync(s => s.State == ShardState.Published, ct);
    }

    public async Task<IReadOnlyList<ShardRow>> PendingShardsAsync(Guid jobId, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Shards.AsNoTracking().Where(s => s.JobId == jobId && s.State == ShardState.Pending)
            .OrderBy(s => s.Number).Take(limit).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<ShardRow>> ExpiredLeasesAsync(DateTime now, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var running = db.Jobs.Where(j => j.State == JobState.Running).Select(j => j.Id);
        return await db.Shards.AsNoTracking()
            .Where(s => s.State == ShardState.Published && s.LeaseExpiresAt < now && running.Contains(s.JobId))
            .OrderBy(s => s.LeaseExpiresAt).Take(limit).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<ItemRow>> ItemsOfShardAsync(Guid jobId, int shardNumber, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Items.AsNoTracking().Where(i => i.JobId == jobId && i.ShardNumber == shardNumber)
            .OrderBy(i => i.Number).ToListAsync(ct);
    }

    /// <summary>Takes a lease on a shard about to be published: pending → published (or, when its lease expired, published again). Returns the attempt, or null when the shard was not in the expected state.</summary>
    public async Task<int?> TryLeaseAsync(Guid jobId, int number, int expectedAttempts, DateTime leaseUntil, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var changed = await db.Shards
            .Where(s => s.JobId == jobId && s.Number == number && s.Attempts == expectedAttempts
                        && (s.State == ShardState.Pending || s.State == ShardState.Published))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.State, ShardState.Published)
                .SetProperty(x => x.Attempts, expectedAttempts + 1)
                .SetProperty(x => x.LeaseExpiresAt, leaseUntil), ct);
        return changed == 1 ? expectedAttempts + 1 : null;
    }

    /// <summary>published → completed, counting the shard into its job once. False when already counted.</summary>
    public async Task<bool> TryCompleteShardAsync(ShardCompleted message, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var changed = await db.Shards
                .Where(s => s.JobId == message.JobId && s.Number == message.ShardNumber && s.State == ShardState.Published)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.State, ShardState.Completed)
                    .SetProperty(x => x.Succeeded, message.Succeeded)
                    .SetProperty(x => x.Failed, message.Failed)
                    .SetProperty(x => x.Results, message.Results), ct);
            if (changed == 1)
            {
                await db.Jobs.Where(j => j.Id == message.JobId).ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.FinishedShards, j => j.FinishedShards + 1)
                    .SetProperty(j => j.SucceededItems, j => j.SucceededItems + message.Succeeded)
                    .SetProperty(j => j.FailedItems, j => j.FailedItems + message.Failed)
                    .SetProperty(j => j.Results, j => j.Results + message.Results), ct);
            }
            await tx.CommitAsync(ct);
            return changed == 1;
        });
    }

    /// <summary>published → failed: every item of the shard gets an item error with the reason; counted once.</summary>
    public async Task<bool> TryFailShardAsync(ShardFailed message, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var changed = await db.Shards
                .Where(s => s.JobId == message.JobId && s.Number == message.ShardNumber && s.State == ShardState.Published)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, ShardState.Failed).SetProperty(x => x.Error, message.Reason), ct);
            if (changed == 1)
            {
                var pending = await db.Items.Where(i => i.JobId == message.JobId && i.ShardNumber == message.ShardNumber && i.State != ItemState.Succeeded)
                    .Select(i => i.Number).ToListAsync(ct);
                var now = DateTime.UtcNow;
                foreach (var number in pending)
                    db.ItemErrors.Add(new ItemErrorRow { JobId = message.JobId, ItemNumber = number, Stage = "shard", Message = message.Reason, At = now });
                await db.SaveChangesAsync(ct);
                await db.Items.Where(i => i.JobId == message.JobId && i.ShardNumber == message.ShardNumber && i.State != ItemState.Succeeded)
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, ItemState.Failed), ct);
                await db.Jobs.Where(j => j.Id == message.JobId).ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.FinishedShards, j => j.FinishedShards + 1)
                    .SetProperty(j => j.FailedItems, j => j.FailedItems + pending.Count)
                    .SetProperty(j => j.Error, message.Reason), ct);
            }
            await tx.CommitAsync(ct);
            return changed == 1;
        });
    }

    /// <summary>
    /// Ends a running job whose enumeration is done and whose shards have all finished: its counts are recomputed
    /// from the stored rows, and its state is failed (a whole shard failed, or nothing succeeded), completed with
    /// errors, or completed. Returns the final state, or null while the job goes on.
    /// </summary>
    public async Task<string?> TryFinishJobAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null || job.State != JobState.Running || !job.EnumerationDone || job.FinishedShards < job.TotalShards) return null;
        var succeeded = await db.Items.LongCountAsync(i => i.JobId == jobId && i.State == ItemState.Succeeded, ct);
        var failed = await db.Items.LongCountAsync(i => i.JobId == jobId && i.State == ItemState.Failed, ct);
        var results = await db.Results.LongCountAsync(r => r.JobId == jobId, ct);
        var shardFailed = await db.Shards.AnyAsync(s => s.JobId == jobId && s.State == ShardState.Failed, ct);
        var state = shardFailed || (job.TotalItems > 0 && succeeded == 0) ? JobState.Failed
            : failed > 0 ? JobState.CompletedWithErrors
            : JobState.Completed;
        var changed = await db.Jobs.Where(j => j.Id == jobId && j.State == JobState.Running).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.State, state)
            .SetProperty(j => j.SucceededItems, succeeded)
            .SetProperty(j => j.FailedItems, failed)
            .SetProperty(j => j.Results, results)
            .SetProperty(j => j.FinishedAt, DateTime.UtcNow), ct);
        return changed == 1 ? state : null;
    }

    /// <summary>Ends the job as failed, e.g. when its dataset cannot be read.</summary>
    public async Task<bool> TryFailJobAsync(Guid jobId, string reason, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Jobs.Where(j => j.Id == jobId && j.State == JobState.Running).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.State, JobState.Failed)
            .SetProperty(j => j.Error, reason)
            .SetProperty(j => j.FinishedAt, DateTime.UtcNow), ct) == 1;
    }

    public async Task<bool> TryCancelAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Jobs.Where(j => j.Id == jobId && j.State == JobState.Running).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.State, JobState.Cancelled)
            .SetProperty(j => j.FinishedAt, DateTime.UtcNow), ct) == 1;
    }

    /// <summary>Whether a shard's job still wants it (not cancelled or ended), for workers to skip dead work.</summary>
    public async Task<bool> IsJobRunningAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Jobs.AnyAsync(j => j.Id == jobId && j.State == JobState.Running, ct);
    }

    public async Task<IReadOnlyList<ResultRow>> ResultsPageAsync(Guid jobId, long afterId, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Results.AsNoTracking().Where(r => r.JobId == jobId && r.Id > afterId).OrderBy(r => r.Id).Take(limit).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<ItemErrorRow>> ErrorsPageAsync(Guid jobId, long afterId, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.ItemErrors.AsNoTracking().Where(r => r.JobId == jobId && r.Id > afterId).OrderBy(r => r.Id).Take(limit).ToListAsync(ct);
    }
}
