using System.Linq.Expressions;
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
    public async Task CreateJobAsync(Guid id, string specJson, string? datasetRoot = null, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // PostgreSQL: the job's partitions of the per-job tables, with its row (JobPartitions).
            if (settings.Provider == StorageProvider.Postgres) await JobPartitions.CreateAsync(db, id, ct);
            db.Jobs.Add(new JobRow
            {
                Id = id, Spec = specJson, State = JobState.Running, CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow,
                DatasetRoot = datasetRoot,
            });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        });
    }

    /// <summary>Stores one shard's items and the shard itself, and counts them into the job, in one transaction.</summary>
    public Task AddShardAsync(Guid jobId, int shardNumber, IReadOnlyList<ItemRow> items, CancellationToken ct = default) =>
        AddShardsAsync(jobId, [new ShardItems(shardNumber, items)], ct);

    /// <summary>
    /// Stores several shards with their items, and counts them into the job, in one transaction (one COPY of the
    /// items on PostgreSQL): enumeration pays a round trip per batch, not per shard. Shards stored already (an
    /// enumeration resumed) are skipped with their items.
    /// </summary>
    public async Task AddShardsAsync(Guid jobId, IReadOnlyList<ShardItems> shards, CancellationToken ct = default)
    {
        if (shards.Count == 0) return;
        await using var db = await factory.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var (low, high) = (shards.Min(s => s.Number), shards.Max(s => s.Number));
            var stored = (await db.Shards.Where(s => s.JobId == jobId && s.Number >= low
                && s.Number <= high).Select(s => s.Number).ToListAsync(ct)).ToHashSet();
            var added = shards.Where(s => !stored.Contains(s.Number) && s.Items.Count > 0).ToList();
            if (added.Count == 0) return;
            var items = added.SelectMany(s => s.Items).ToList();
            if (settings.Provider == StorageProvider.Postgres)
                await PostgresBulk.CopyItemsAsync(db, items, ct);
            else
            {
                db.Items.AddRange(items);
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            db.Shards.AddRange(added.Select(s => new ShardRow
            {
                JobId = jobId, Number = s.Number, State = ShardState.Pending, FirstItem = s.Items[0].Number, ItemCount = s.Items.Count,
            }));
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            await db.Jobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.TotalItems, j => j.TotalItems + items.Count)
                .SetProperty(j => j.TotalShards, j => j.TotalShards + added.Count), ct);
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

    /// <summary>Running jobs, oldest first.</summary>
    public async Task<IReadOnlyList<JobRow>> RunningJobsAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().Where(j => j.State == JobState.Running).OrderBy(j => j.CreatedAt).ToListAsync(ct);
    }

    /// <summary>Shards of running jobs that are published or running: what the dispatcher's flow control counts.</summary>
    public async Task<int> OutstandingShardsAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var running = db.Jobs.Where(j => j.State == JobState.Running).Select(j => j.Id);
        return await db.Shards.CountAsync(s => (s.State == ShardState.Published || s.State == ShardState.Running) && running.Contains(s.JobId), ct);
    }

    public async Task<IReadOnlyList<ShardRow>> PendingShardsAsync(Guid jobId, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Shards.AsNoTracking().Where(s => s.JobId == jobId && s.State == ShardState.Pending)
            .OrderBy(s => s.Number).Take(limit).ToListAsync(ct);
    }

    /// <summary>
    /// Published shards of running jobs whose claim deadline passed (a message lost, or queued too long): to publish
    /// again.
    /// </summary>
    public Task<IReadOnlyList<ShardRow>> UnclaimedAsync(DateTime now, int limit, CancellationToken ct = default) =>
        OverdueAsync(s => s.State == ShardState.Published && s.ClaimDeadline < now, s => s.ClaimDeadline, limit, ct);

    /// <summary>
    /// Running shards of running jobs whose worker stopped renewing its lease (it died, or lost the database): failed
    /// attempts.
    /// </summary>
    public Task<IReadOnlyList<ShardRow>> ExpiredLeasesAsync(DateTime now, int limit, CancellationToken ct = default) =>
        OverdueAsync(s => s.State == ShardState.Running && s.LeaseExpiresAt < now, s => s.LeaseExpiresAt, limit, ct);

    /// <summary>
    /// Shards of running jobs that match <paramref name="overdue"/>, earliest <paramref name="deadline"/> first, at
    /// most <paramref name="limit"/>.
    /// </summary>
    private async Task<IReadOnlyList<ShardRow>> OverdueAsync(Expression<Func<ShardRow, bool>> overdue,
        Expression<Func<ShardRow, DateTime?>> deadline, int limit, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var running = db.Jobs.Where(j => j.State == JobState.Running).Select(j => j.Id);
        return await db.Shards.AsNoTracking().Where(overdue).Where(s => running.Contains(s.JobId))
            .OrderBy(deadline).Take(limit).ToListAsync(ct);
    }

    /// <summary>A shard's items, by their number range (the primary key), in order.</summary>
    public async Task<IReadOnlyList<ItemRow>> ItemsOfShardAsync(ShardRow shard, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await ItemsOf(db, shard.JobId, shard.FirstItem, shard.ItemCount).AsNoTracking().OrderBy(i => i.Number).ToListAsync(ct);
    }

    /// <summary>
    /// Items by number range: a shard's items are consecutive from its first, so the lookup walks the primary key
    /// (by shard_number there is no index, and the scan grew with the job).
    /// </summary>
    internal static IQueryable<ItemRow> ItemsOf(CamDbContext db, Guid jobId, long firstItem, int itemCount)
    {
        var end = firstItem + itemCount;
        return db.Items.Where(i => i.JobId == jobId && i.Number >= firstItem && i.Number < end);
    }

    /// <summary>
    /// Published shards of running jobs whose message was overtaken: published before <paramref name="publishedBefore"/>
    /// and not claimed, while a shard of the same job published after it has been claimed (it is running or done).
    /// The queue delivers in publication order and a delivered shard is claimed at once, so such a message was lost
    /// (its worker gave up on it while the database was away, say): to publish again, without waiting out the queue timeout.
    /// </summary>
    public async Task<IReadOnlyList<ShardRow>> OvertakenAsync(DateTime publishedBefore, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var running = db.Jobs.Where(j => j.State == JobState.Running).Select(j => j.Id);
        return await db.Shards.AsNoTracking()
            .Where(s => s.State == ShardState.Published && s.PublishedAt < publishedBefore && running.Contains(s.JobId)
                        && db.Shards.Any(o => o.JobId == s.JobId && o.PublishedAt > s.PublishedAt
                                              && (o.State == ShardState.Running || o.State == ShardState.Completed)))
            .OrderBy(s => s.PublishedAt).Take(limit).ToListAsync(ct);
    }

    /// <summary>
    /// Ends a running job whose enumeration is done and whose shards have all finished: its counts are recomputed
    /// from the stored rows, and its state is failed (nothing succeeded), completed with errors (some items failed,
    /// a whole shard's included, or a method failed on some items or for the whole job), or completed. Returns the final state, or null while the job
    /// goes on.
    /// </summary>
    public async Task<string?> TryFinishJobAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct);
        if (job is null || job.State != JobState.Running || !job.EnumerationDone || job.FinishedShards < job.TotalShards) return null;
        var succeeded = await db.Items.LongCountAsync(i => i.JobId == jobId && i.State == ItemState.Succeeded, ct);
        var failed = await db.Items.LongCountAsync(i => i.JobId == jobId && i.State == ItemState.Failed, ct);
        var results = await db.Results.LongCountAsync(r => r.JobId == jobId, ct);
        var state = job.TotalItems > 0 && succeeded == 0 ? JobState.Failed
            : failed > 0 || await MethodTallies.AnyMethodFailedAsync(db, jobId, ct) ? JobState.CompletedWithErrors
            : JobState.Completed;
        var changed = await db.Jobs.Where(j => j.Id == jobId && j.State == JobState.Running).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.State, state)
            .SetProperty(j => j.SucceededItems, succeeded)
            .SetProperty(j => j.FailedItems, failed)
            .SetProperty(j => j.Results, results)
            .SetProperty(j => j.FinishedAt, DateTime.UtcNow), ct);
        return changed == 1 ? state : null;
    }

    /// <summary>Ends the job as failed, e.g. when its dataset cannot be read; its open shards are closed.</summary>
    public Task<bool> TryFailJobAsync(Guid jobId, string reason, CancellationToken ct = default) =>
        TryEndAsync(jobId, JobState.Failed, reason, ct);

    /// <summary>Ends the job as cancelled; its open shards are closed, so that no worker claims or writes for them any more.</summary>
    public Task<bool> TryCancelAsync(Guid jobId, CancellationToken ct = default) =>
        TryEndAsync(jobId, JobState.Cancelled, null, ct);

    private async Task<bool> TryEndAsync(Guid jobId, string state, string? reason, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var changed = await db.Jobs.Where(j => j.Id == jobId && j.State == JobState.Running).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, state)
                .SetProperty(j => j.Error, j => reason ?? j.Error)
                .SetProperty(j => j.FinishedAt, DateTime.UtcNow), ct);
            if (changed == 1)
                await ShardLifecycle.CloseOpenShardsAsync(db, jobId, ct);
            await tx.CommitAsync(ct);
            return changed == 1;
        });
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

/// <summary>A shard's number and its items, to store (consecutive numbers, in order).</summary>
public sealed record ShardItems(int Number, IReadOnlyList<ItemRow> Items);
