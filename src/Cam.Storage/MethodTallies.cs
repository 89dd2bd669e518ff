using Microsoft.EntityFrameworkCore;

namespace Cam.Storage;

/// <summary>
/// One method's share of a job: its results, the items it failed on (the others' results for them kept), and the
/// reason it failed for the whole job when a worker found it could not apply.
/// </summary>
public sealed record MethodTally(string Method, long Results, long FailedItems, string? JobError);

/// <summary>Results and errors per method, counted in SQL (GROUP BY over the results' and item errors' indexes).</summary>
public sealed class MethodTallies(IDbContextFactory<CamDbContext> factory)
{
    public async Task<IReadOnlyList<MethodTally>> OfJobAsync(Guid jobId, IReadOnlyList<string> methods, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await CountAsync(db, jobId, methods, ct);
    }

    /// <summary>The tallies of <paramref name="methods"/> (and of any other method with results or errors), on the caller's context.</summary>
    public static async Task<IReadOnlyList<MethodTally>> CountAsync(CamDbContext db, Guid jobId, IReadOnlyList<string> methods, CancellationToken ct)
    {
        var results = await db.Results.Where(r => r.JobId == jobId).GroupBy(r => r.Method)
            .Select(g => new { Method = g.Key, Count = g.LongCount() }).ToDictionaryAsync(g => g.Method, g => g.Count, ct);
        var failed = await db.ItemErrors.Where(e => e.JobId == jobId && e.Method != "" && e.ItemNumber != null).GroupBy(e => e.Method)
            .Select(g => new { Method = g.Key, Count = g.Select(e => e.ItemNumber).Distinct().LongCount() }).ToDictionaryAsync(g => g.Method,
                g => g.Count, ct);
        var jobErrors = (await db.ItemErrors.Where(e => e.JobId == jobId && e.Method != "" && e.ItemNumber == null)
            .Select(e => new { e.Method, e.Message }).ToListAsync(ct)).GroupBy(e => e.Method).ToDictionary(g => g.Key, g => g.First().Message);
        return methods.Concat(results.Keys).Concat(failed.Keys).Concat(jobErrors.Keys).Distinct()
            .Select(m => new MethodTally(m, results.GetValueOrDefault(m), failed.GetValueOrDefault(m), jobErrors.GetValueOrDefault(m)))
            .ToList();
    }

    /// <summary>Whether any method failed on an item, or for the whole job.</summary>
    public static Task<bool> AnyMethodFailedAsync(CamDbContext db, Guid jobId, CancellationToken ct) =>
        db.ItemErrors.AnyAsync(e => e.JobId == jobId && e.Method != "", ct);
}
