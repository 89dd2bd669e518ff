using Cam.Contracts;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Storage;

/// <summary>A worker's hold on a running shard: the attempt it runs under, who holds it, and how long each renewal lasts.</summary>
public sealed record ShardClaim(Guid JobId, int ShardNumber, int Attempt, string Claimant, TimeSpan Lease);

/// <summary>The claim is gone: its job ended, or the shard was given to another attempt after the lease ran out.</summary>
public sealed class ClaimLostException(ShardClaim claim)
    : Exception($"shard {claim.JobId}/{claim.ShardNumber}: the claim of attempt {claim.Attempt} is no longer held");

/// <summary>
/// How a worker takes a shard when it starts it (published → running, one guarded update), keeps it by renewing
/// the lease while it works, and gives it back on shutdown. A copy of a shard that is already claimed, finished or
/// closed finds nothing to claim and is dropped without doing the work.
/// </summary>
public sealed class ShardClaims(IDbContextFactory<CamDbContext> factory)
{
    /// <summary>Claims the shard for <paramref name="claimant"/>; null when it is not there to be claimed. The same claimant may claim again (a retried message).</summary>
    public async Task<ShardClaim?> TryClaimAsync(Guid jobId, int number, string claimant, TimeSpan lease, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var changed = await db.Shards
            .Where(s => s.JobId == jobId && s.Number == number
                        && (s.State == ShardState.Published || (s.State == ShardState.Running && s.ClaimedBy == claimant)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.State, ShardState.Running)
                .SetProperty(x => x.ClaimedBy, claimant)
                .SetProperty(x => x.LeaseExpiresAt, DateTime.UtcNow + lease), ct);
        if (changed == 0) return null;
        var attempt = await db.Shards.Where(s => s.JobId == jobId && s.Number == number && s.ClaimedBy == claimant && s.State == ShardState.Running)
            .Select(s => (int?)s.Attempts).SingleOrDefaultAsync(ct);
        return attempt is null ? null : new ShardClaim(jobId, number, attempt.Value, claimant, lease);
    }

    /// <summary>Extends the claim by its lease from now; false when it is no longer held.</summary>
    public async Task<bool> TryRenewAsync(ShardClaim claim, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await RenewAsync(db, claim, ct);
    }

    /// <summary>Renews <paramref name="claim"/> on <paramref name="db"/>'s connection and transaction (the result writer's: results are stored only under a held claim).</summary>
    public static async Task<bool> RenewAsync(CamDbContext db, ShardClaim claim, CancellationToken ct) =>
        await Held(db, claim).ExecuteUpdateAsync(s => s.SetProperty(x => x.LeaseExpiresAt, DateTime.UtcNow + claim.Lease), ct) == 1;

    /// <summary>running → published: the shard is handed back unfinished (its worker is stopping), for its redelivered message to be claimed at once.</summary>
    public async Task<bool> TryReleaseAsync(ShardClaim claim, TimeSpan claimWithin, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await Held(db, claim).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.State, ShardState.Published)
            .SetProperty(x => x.ClaimedBy, (string?)null)
            .SetProperty(x => x.LeaseExpiresAt, DateTime.UtcNow + claimWithin), ct) == 1;
    }

    private static IQueryable<ShardRow> Held(CamDbContext db, ShardClaim claim) =>
        db.Shards.Where(s => s.JobId == claim.JobId && s.Number == claim.ShardNumber && s.Attempts == claim.Attempt
                             && s.State == ShardState.Running && s.ClaimedBy == claim.Claimant);
}
