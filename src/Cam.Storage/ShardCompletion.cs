using Cam.Contracts;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Storage;

/// <summary>What a finished shard adds to its job.</summary>
public sealed record ShardTally(Guid JobId, int ShardNumber, int Succeeded, int Failed, int Results);

/// <summary>
/// → completed, counting the shard into its job once, on the caller's transaction: the result writer's (a worker
/// stores a shard's results and completes it in one transaction) or the scheduler's on a report. Accepted from any
/// unfinished state: the results are stored, whichever attempt stored them.
/// </summary>
internal static class ShardCompletion
{
    public static async Task<bool> CompleteAsync(CamDbContext db, ShardTally tally, CancellationToken ct)
    {
        var changed = await db.Shards
            .Where(s => s.JobId == tally.JobId && s.Number == tally.ShardNumber
                        && (s.State == ShardState.Pending || s.State == ShardState.Published || s.State == ShardState.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.State, ShardState.Completed)
                .SetProperty(x => x.ClaimedBy, (string?)null)
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
}
