using Cam.Contracts;
using Microsoft.EntityFrameworkCore;

namespace Cam.Storage;

/// <summary>What deleting a job did.</summary>
/// <param name="Cancelled">The job was running and was cancelled first.</param>
/// <param name="PartitionsDropped">PostgreSQL: the job's partitions dropped (four for a job stored since partitioning).</param>
public sealed record JobDeleted(Guid JobId, bool Cancelled, int PartitionsDropped);

/// <summary>
/// Deletes a job and everything stored for it: on PostgreSQL by dropping its partitions (seconds for millions of
/// rows, nothing left to vacuum), on SQLite by plain deletes. A running job is cancelled first, so that workers
/// store nothing more for it (their claims fail). Files written from it (reports, exports) stay where they are.
/// </summary>
public sealed class JobDeletion(IDbContextFactory<CamDbContext> factory, StorageSettings settings, JobStore store)
{
    /// <summary>Returns null when the database holds no such job.</summary>
    public async Task<JobDeleted?> DeleteAsync(Guid jobId, CancellationToken ct = default)
    {
        var job = await store.GetJobAsync(jobId, ct);
        if (job is null) return null;
        var cancelled = job.State == JobState.Running && await store.TryCancelAsync(jobId, ct);
        await using var db = await factory.CreateDbContextAsync(ct);
        var dropped = 0;
        if (settings.Provider == StorageProvider.Postgres)
        {
            dropped = await JobPartitions.DropAsync(db, jobId, ct);
            await db.Jobs.Where(j => j.Id == jobId).ExecuteDeleteAsync(ct);
            return new JobDeleted(jobId, cancelled, dropped);
        }
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.Results.Where(r => r.JobId == jobId).ExecuteDeleteAsync(ct);
            await db.ItemErrors.Where(e => e.JobId == jobId).ExecuteDeleteAsync(ct);
            await db.Items.Where(i => i.JobId == jobId).ExecuteDeleteAsync(ct);
            await db.Shards.Where(s => s.JobId == jobId).ExecuteDeleteAsync(ct);
            await db.Jobs.Where(j => j.Id == jobId).ExecuteDeleteAsync(ct);
            await tx.CommitAsync(ct);
        });
        return new JobDeleted(jobId, cancelled, dropped);
    }

    /// <summary>Finished jobs (any final state) that finished before <paramref name="cutoff"/>, oldest first.</summary>
    public async Task<IReadOnlyList<Guid>> FinishedBeforeAsync(DateTime cutoff, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().Where(j => j.State != JobState.Running && j.FinishedAt != null && j.FinishedAt < cutoff)
            .OrderBy(j => j.FinishedAt).Select(j => j.Id).Take(limit).ToListAsync(ct);
    }
}
