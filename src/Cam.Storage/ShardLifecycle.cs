using Cam.Contracts;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Storage;

/// <summary>A worker's hold on a running shard: the attempt it runs under, who holds it, and how long each renewal lasts.</summary>
public sealed record ShardClaim(Guid JobId, int ShardNumber, int Attempt, string Claimant, TimeSpan Lease);

/// <summary>The claim is gone: its job ended, or the shard was given to another attempt after the lease ran out.</summary>
public sealed class ClaimLostException(ShardClaim claim)
    : Exception($"shard {claim.JobId}/{claim.ShardNumber}: the claim of attempt {claim.Attempt} is no longer held");

/// <summary>What a finished shard adds to its job.</summary>
public sealed record ShardTally(Guid JobId, int ShardNumber, int Succeeded, int Failed, int Results);

/// <summary>
/// Every state change of a shard, each one guarded update that applies only in the state (and attempt) it expects,
/// so that a late or duplicated message, a second scheduler round or a worker presumed dead changes nothing:
/// <code>
/// pending ──Publish──▶ published ──Claim──▶ running ──Complete──▶ completed
/// published ──Publish (its claim deadline passed: again)──▶ published     published ──ReturnUnsent──▶ pending
/// running ──ReleaseClaim──▶ published     published | running ──FailAttempt──▶ pending | failed
/// pending | published | running ──Close (its job ended)──▶ closed
/// </code>
/// A published shard carries its claim deadline (to be claimed before it, or published again); a running shard its
/// worker's lease (renewed while it works; a lease that runs out is a failed attempt).
/// </summary>
public sealed class ShardLifecycle(IDbContextFactory<CamDbContext> factory)
{
    /// <summary>
    /// pending → published (or published again, when no worker claimed it in time), to be claimed before
    /// <paramref name="claimDeadline"/>, stamped with the time of publication. Returns the new attempt, or null when
    /// the shard was not in the expected state and attempt.
    /// </summary>
    public async Task<int?> TryPublishAsync(Guid jobId, int number, int expectedAttempts, DateTime claimDeadline, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var changed = await db.Shards
            .Where(s => s.JobId == jobId && s.Number == number && s.Attempts == expectedAttempts
                        && (s.State == ShardState.Pending || s.State == ShardState.Published))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.State, ShardState.Published)
                .SetProperty(x => x.Attempts, expectedAttempts + 1)
                .SetProperty(x => x.PublishedAt, DateTime.UtcNow)
                .SetProperty(x => x.ClaimDeadline, claimDeadline), ct);
        return changed == 1 ? expectedAttempts + 1 : null;
    }

    /// <summary>published → pending when its message could not be sent, so that the next round sends it without waiting for the claim
    /// deadline.</summary>
    public async Task<bool> TryReturnUnsentAsync(Guid jobId, int number, int attempt, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Shards
            .Where(s => s.JobId == jobId && s.Number == number && s.Attempts == attempt && s.State == ShardState.Published)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, ShardState.Pending).SetProperty(x => x.ClaimDeadline, (DateTime?)null), ct) == 1;
    }

    /// <summary>
    /// published → running for <paramref name="claimant"/>, under a lease of <paramref name="lease"/>; null when the
    /// shard is not there to be claimed (a copy of a shard already claimed, finished or closed is dropped unworked).
    /// The same claimant may claim again (a retried message).
    /// </summary>
    public async Task<ShardClaim?> TryClaimAsync(Guid jobId, int number, string claimant, TimeSpan lease, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var changed = await db.Shards
            .Where(s => s.JobId == jobId && s.Number == number
                        && (s.State == ShardState.Published || (s.State == ShardState.Running && s.ClaimedBy == claimant)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.State, ShardState.Running)
                .SetProperty(x => x.ClaimedBy, claimant)
                .SetProperty(x => x.ClaimDeadline, (DateTime?)null)
                .SetProperty(x => x.LeaseExpiresAt, DateTime.UtcNow + lease), ct);
        if (changed == 0) return null;
        var attempt = await db.Shards.Where(s => s.JobId == jobId && s.Number == number && s.ClaimedBy == claimant && s.State == ShardState.Running)
            .Select(s => (int?)s.Attempts).SingleOrDefaultAsync(ct);
        return attempt is null ? null : new ShardClaim(jobId, number, attempt.Value, claimant, lease);
    }

    /// <summary>Extends the claim's lease from now; false when it is no longer held.</summary>
    public async Task<bool> TryRenewClaimAsync(ShardClaim claim, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await RenewClaimAsync(db, claim, ct);
    }

    /// <summary>Renews <paramref name="claim"/> on <paramref name="db"/>'s connection and transaction (the result writer's: results are stored only
    /// under a held claim).</summary>
    internal static async Task<bool> RenewClaimAsync(CamDbContext db, ShardClaim claim, CancellationToken ct) =>
        await Held(db, claim).ExecuteUpdateAsync(s => s.SetProperty(x => x.LeaseExpiresAt, DateTime.UtcNow + claim.Lease), ct) == 1;

    /// <summary>
    /// running → published: the shard is handed back unfinished (its worker is stopping), for its redelivered message
    /// to be claimed within <paramref name="claimWithin"/>.
    /// </summary>
    public async Task<bool> TryReleaseClaimAsync(ShardClaim claim, TimeSpan claimWithin, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await Held(db, claim).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.State, ShardState.Published)
            .SetProperty(x => x.ClaimedBy, (string?)null)
            .SetProperty(x => x.LeaseExpiresAt, (DateTime?)null)
            .SetProperty(x => x.ClaimDeadline, DateTime.UtcNow + claimWithin), ct) == 1;
    }

    private static IQueryable<ShardRow> Held(CamDbContext db, ShardClaim claim) =>
        db.Shards.Where(s => s.JobId == claim.JobId && s.Number == claim.ShardNumber && s.Attempts == claim.Attempt
                             && s.State == ShardState.Running && s.ClaimedBy == claim.Claimant);

    /// <summary>
    /// → completed on a worker's report, counting the shard into its job once. Workers complete their shard in the
    /// transaction that stores its results (<see cref="CompleteAsync"/>), so a report normally finds it counted; one
    /// that does not (an older worker) counts it here, from any unfinished state, whichever attempt stored the results
    /// (a worker presumed dead may finish after all) — but only when what it reports is in the database: every item
    /// of the shard has its state and at least as many results as reported are stored for its items. A report whose
    /// transaction the database lost (a server that acknowledged a commit and then crashed without it) counts nothing:
    /// the shard's lease runs out and it runs again.
    /// </summary>
    public async Task<ShardReport> TryCompleteOnReportAsync(ShardCompleted message, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var shard = await db.Shards.AsNoTracking().Where(s => s.JobId == message.JobId && s.Number == message.ShardNumber)
                .Select(s => new { s.State, s.FirstItem, s.ItemCount }).SingleOrDefaultAsync(ct);
            if (shard is null || ShardState.IsFinal(shard.State)) return ShardReport.AlreadyCounted;
            var end = shard.FirstItem + shard.ItemCount;
            var unexplained = await JobStore.ItemsOf(db, message.JobId, shard.FirstItem,
                shard.ItemCount).CountAsync(i => i.State == ItemState.Pending, ct);
            var stored = await db.Results.CountAsync(r => r.JobId == message.JobId && r.ItemNumber >= shard.FirstItem && r.ItemNumber < end, ct);
            if (unexplained > 0 || stored < message.Results) return ShardReport.NotStored;
            var changed = await CompleteAsync(db,
                new ShardTally(message.JobId, message.ShardNumber, message.Succeeded, message.Failed, message.Results), ct);
            await tx.CommitAsync(ct);
            return changed ? ShardReport.Counted : ShardReport.AlreadyCounted;
        });
    }

    /// <summary>
    /// → completed, counting the shard into its job once, on the caller's transaction: the result writer's (a worker
    /// stores a shard's results and completes it in one transaction) or <see cref="TryCompleteOnReportAsync"/>'s.
    /// Accepted from any unfinished state: the results are stored, whichever attempt stored them.
    /// </summary>
    internal static async Task<bool> CompleteAsync(CamDbContext db, ShardTally tally, CancellationToken ct)
    {
        var changed = await db.Shards
            .Where(s => s.JobId == tally.JobId && s.Number == tally.ShardNumber
                        && (s.State == ShardState.Pending || s.State == ShardState.Published || s.State == ShardState.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.State, ShardState.Completed)
                .SetProperty(x => x.ClaimedBy, (string?)null)
                .SetProperty(x => x.ClaimDeadline, (DateTime?)null)
                .SetProperty(x => x.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(x => x.Succeeded, tally.Succeeded)
                .SetProperty(x => x.Failed, tally.Failed)
                .SetProperty(x => x.Results, tally.Results), ct);
        if (changed == 0) return false;
        await db.Jobs.Where(j => j.Id == tally.JobId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.FinishedShards, j => j.FinishedShards + 1)
            .SetProperty(j => j.SucceededItems, j => j.SucceededItems + tally.Succeeded)
            .SetProperty(j => j.FailedItems, j => j.FailedItems + tally.Failed)
            .SetProperty(j => j.Results, j => j.Results + tally.Results), ct);
        return true;
    }

    /// <summary>
    /// One attempt of a shard failed (an error its worker reported, a lease its worker stopped renewing, a message
    /// lost before any claim). The shard goes back to pending for another attempt, or, once
    /// <paramref name="maxAttempts"/> attempts have failed, fails: every item not yet explained gets an item error
    /// with the reason, counted into the job once. Only the current attempt counts (guarded on attempt and state);
    /// with <paramref name="leaseExpiredBefore"/>, only a running shard whose lease ran out before then; with
    /// <paramref name="unclaimedOnly"/>, only a published shard no worker has claimed.
    /// </summary>
    public async Task<AttemptOutcome> TryFailAttemptAsync(Guid jobId, int number, int attempt, string reason, int maxAttempts,
        DateTime? leaseExpiredBefore = null, bool unclaimedOnly = false, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var shard = db.Shards.Where(s => s.JobId == jobId && s.Number == number && s.Attempts == attempt);
            shard = leaseExpiredBefore is { } deadline ? shard.Where(s => s.State == ShardState.Running && s.LeaseExpiresAt < deadline)
                : unclaimedOnly ? shard.Where(s => s.State == ShardState.Published)
                : shard.Where(s => s.State == ShardState.Published || s.State == ShardState.Running);
            var changed = await shard.ExecuteUpdateAsync(s => s
                .SetProperty(x => x.State, x => x.Failures + 1 >= maxAttempts ? ShardState.Failed : ShardState.Pending)
                .SetProperty(x => x.Failures, x => x.Failures + 1)
                .SetProperty(x => x.Error, reason)
                .SetProperty(x => x.ClaimedBy, (string?)null)
                .SetProperty(x => x.ClaimDeadline, (DateTime?)null)
                .SetProperty(x => x.LeaseExpiresAt, (DateTime?)null), ct);
            if (changed == 0) return AttemptOutcome.NotCounted;
            var failed = await db.Shards.AnyAsync(s => s.JobId == jobId && s.Number == number && s.State == ShardState.Failed, ct);
            if (failed) await FailItemsOfShardAsync(db, jobId, number, reason, ct);
            await tx.CommitAsync(ct);
            return failed ? AttemptOutcome.ShardFailed : AttemptOutcome.WillRetry;
        });
    }

    private static async Task FailItemsOfShardAsync(CamDbContext db, Guid jobId, int number, string reason, CancellationToken ct)
    {
        var shard = await db.Shards.AsNoTracking().SingleAsync(s => s.JobId == jobId && s.Number == number, ct);
        var pending = await JobStore.ItemsOf(db, jobId, shard.FirstItem, shard.ItemCount).Where(i => i.State != ItemState.Succeeded)
            .Select(i => i.Number).ToListAsync(ct);
        var now = DateTime.UtcNow;
        var known = await db.ItemErrors.Where(e => e.JobId == jobId && e.Stage == "shard" && e.ItemNumber != null
            && pending.Contains(e.ItemNumber.Value))
            .Select(e => e.ItemNumber!.Value).ToListAsync(ct);
        foreach (var item in pending.Except(known))
            db.ItemErrors.Add(new ItemErrorRow { JobId = jobId, ItemNumber = item, Stage = "shard", Message = reason, At = now });
        await db.SaveChangesAsync(ct);
        await JobStore.ItemsOf(db, jobId, shard.FirstItem, shard.ItemCount).Where(i => i.State != ItemState.Succeeded)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, ItemState.Failed), ct);
        await db.Jobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.FinishedShards, j => j.FinishedShards + 1)
            .SetProperty(j => j.FailedItems, j => j.FailedItems + pending.Count)
            .SetProperty(j => j.Error, reason), ct);
    }

    /// <summary>pending | published | running → closed, on the caller's transaction: the job ended, so no worker claims or writes for them any
    /// more.</summary>
    internal static Task<int> CloseOpenShardsAsync(CamDbContext db, Guid jobId, CancellationToken ct) =>
        db.Shards.Where(s => s.JobId == jobId
                             && (s.State == ShardState.Pending || s.State == ShardState.Published || s.State == ShardState.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.State, ShardState.Closed)
                .SetProperty(x => x.ClaimDeadline, (DateTime?)null)
                .SetProperty(x => x.LeaseExpiresAt, (DateTime?)null), ct);
}

/// <summary>What a worker's completion report did.</summary>
public enum ShardReport
{
    /// <summary>The shard was counted into its job now.</summary>
    Counted,
    /// <summary>Counted before (by the worker's own transaction, or an earlier copy of the report), or closed: nothing changed.</summary>
    AlreadyCounted,
    /// <summary>What it reports is not in the database (a transaction the server lost): nothing counted; the shard runs again when its lease runs
    /// out.</summary>
    NotStored,
}

/// <summary>What counting a failed attempt did to the shard.</summary>
public enum AttemptOutcome
{
    /// <summary>Not the shard's current attempt (or no longer unfinished): nothing changed.</summary>
    NotCounted,
    /// <summary>Back to pending, to be published again.</summary>
    WillRetry,
    /// <summary>Its attempts ran out: the shard failed and its items are item errors.</summary>
    ShardFailed,
}
