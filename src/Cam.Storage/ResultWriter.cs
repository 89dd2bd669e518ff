using Cam.Contracts;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Storage;

/// <summary>What a worker stores for one shard.</summary>
public sealed record ShardOutput(
    Guid JobId,
    IReadOnlyList<ResultRow> Results,
    IReadOnlyList<ItemErrorRow> Errors,
    IReadOnlyList<long> SucceededItems,
    IReadOnlyList<long> FailedItems);

/// <summary>
/// Stores a shard's results, item errors and item states in one transaction, idempotently: rows that exist already
/// (a redelivered shard) are skipped by the unique constraints. PostgreSQL gets a binary COPY into a staging table;
/// SQLite, batched inserts. Under a claim, the transaction first renews it (a shard whose job was cancelled, or that
/// was given to another attempt, stores nothing: <see cref="ClaimLostException"/>) and ends by completing the shard,
/// so that results stored are always counted, whatever happens to the worker or its report afterwards.
/// </summary>
public sealed class ResultWriter(IDbContextFactory<CamDbContext> factory, StorageSettings settings)
{
    // SQLite has one writer at a time; in-process workers queue here rather than on its busy timeout.
    private readonly SemaphoreSlim sqliteWriter = new(1, 1);

    /// <summary>Returns how many result rows were new.</summary>
    public async Task<int> WriteAsync(ShardOutput output, ShardClaim? claim = null, CancellationToken ct = default)
    {
        if (settings.Provider == StorageProvider.Sqlite) await sqliteWriter.WaitAsync(ct);
        try
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var strategy = db.Database.CreateExecutionStrategy();
            return await strategy.ExecuteAsync(async () =>
            {
                db.ChangeTracker.Clear();
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                if (claim is not null && !await ShardLifecycle.RenewClaimAsync(db, claim, ct)) throw new ClaimLostException(claim);
                int inserted;
                if (settings.Provider == StorageProvider.Postgres)
                {
                    inserted = await PostgresBulk.CopyResultsAsync(db, output.Results, ct);
                    foreach (var error in output.Errors)
                    {
                        if (error.ItemNumber is null)
                            await db.Database.ExecuteSqlAsync($"""
                                INSERT INTO item_errors (job_id, item_number, stage, method, message, at)
                                VALUES ({error.JobId}, NULL, {error.Stage}, {error.Method}, {error.Message}, {error.At})
                                ON CONFLICT (job_id, stage, method) WHERE item_number IS NULL DO NOTHING
                                """, ct);
                        else
                            await db.Database.ExecuteSqlAsync($"""
                                INSERT INTO item_errors (job_id, item_number, stage, method, message, at)
                                VALUES ({error.JobId}, {error.ItemNumber}, {error.Stage}, {error.Method}, {error.Message}, {error.At})
                                ON CONFLICT (job_id, item_number, stage, method) DO NOTHING
                                """, ct);
                    }
                }
                else
                {
                    inserted = await SqliteInsertNewAsync(db, output, ct);
                }
                await SetItemStateAsync(db, output.JobId, output.SucceededItems, ItemState.Succeeded, ct);
                await SetItemStateAsync(db, output.JobId, output.FailedItems, ItemState.Failed, ct);
                if (claim is not null)
                    await ShardLifecycle.CompleteAsync(db,
                        new ShardTally(claim.JobId, claim.ShardNumber, output.SucceededItems.Count, output.FailedItems.Count, output.Results.Count),
                            ct);
                await tx.CommitAsync(ct);
                return inserted;
            });
        }
        finally
        {
            if (settings.Provider == StorageProvider.Sqlite) sqliteWriter.Release();
        }
    }

    private static async Task SetItemStateAsync(CamDbContext db, Guid jobId, IReadOnlyList<long> numbers, string state, CancellationToken ct)
    {
        foreach (var chunk in numbers.Chunk(500))
        {
            var list = chunk.ToList();
            await db.Items.Where(i => i.JobId == jobId && list.Contains(i.Number))
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, state), ct);
        }
    }

    /// <summary>SQLite: one writer at a time (see <see cref="sqliteWriter"/>), so checking what exists, then adding the rest, is safe.</summary>
    private static async Task<int> SqliteInsertNewAsync(CamDbContext db, ShardOutput output, CancellationToken ct)
    {
        var items = output.Results.Select(r => r.ItemNumber)
            .Concat(output.Errors.Where(e => e.ItemNumber is not null).Select(e => e.ItemNumber!.Value)).Distinct().ToList();
        var existingResults = new HashSet<(long, string, string, int)>();
        var existingErrors = (await db.ItemErrors.AsNoTracking().Where(e => e.JobId == output.JobId && e.ItemNumber == null)
                .Select(e => new { e.ItemNumber, e.Stage, e.Method }).ToListAsync(ct))
            .Select(e => (e.ItemNumber, e.Stage, e.Method)).ToHashSet();
        foreach (var chunk in items.Chunk(500))
        {
            var list = chunk.ToList();
            foreach (var r in await db.Results.AsNoTracking().Where(r => r.JobId == output.JobId && list.Contains(r.ItemNumber))
                         .Select(r => new { r.ItemNumber, r.Method, r.Layer, r.ClassIndex }).ToListAsync(ct))
                existingResults.Add((r.ItemNumber, r.Method, r.Layer, r.ClassIndex));
            foreach (var e in await db.ItemErrors.AsNoTracking().Where(e => e.JobId == output.JobId && e.ItemNumber != null
                && list.Contains(e.ItemNumber.Value))
                         .Select(e => new { e.ItemNumber, e.Stage, e.Method }).ToListAsync(ct))
                existingErrors.Add((e.ItemNumber, e.Stage, e.Method));
        }
        var newResults = output.Results.Where(r => existingResults.Add((r.ItemNumber, r.Method, r.Layer, r.ClassIndex))).ToList();
        db.Results.AddRange(newResults.Select(r => r.CopyWithoutId()));
        db.ItemErrors.AddRange(output.Errors.Where(e => existingErrors.Add((e.ItemNumber, e.Stage, e.Method))));
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        return newResults.Count;
    }
}
