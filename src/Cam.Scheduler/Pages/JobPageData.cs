using System.Collections.Concurrent;
using Cam.Contracts;
using Cam.Scheduler.Jobs;
using Cam.Scheduler.Planning;
using Cam.Specs;
using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Scheduler.Pages;

/// <summary>An error as a page shows it: with the item's path and label when it concerns one item.</summary>
public sealed record ErrorLine(long Id, long? Item, string? Path, string? Label, string Stage, string? Method, string Message, DateTime At);

/// <summary>
/// What the pages read, with the per-method tallies (GROUP BY over a job's results) cached until the job's counts
/// change, and at most every <see cref="TallyInterval"/> while it runs; cost previews kept once computed.
/// </summary>
public sealed class JobPageData(JobStore store, MethodTallies tallies, JobService jobs, IDbContextFactory<CamDbContext> factory)
{
    /// <summary>How stale a running job's per-method tallies may be: however many browsers reload, one GROUP BY per job per interval.</summary>
    public TimeSpan TallyInterval { get; set; } = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<Guid, (string Version, DateTime At, IReadOnlyList<MethodTally> Tallies)> tallyCache = new();
    private readonly ConcurrentDictionary<Guid, Lazy<Task<CostPlan>>> plans = new();

    public Task<IReadOnlyList<JobRow>> JobsAsync(int limit, CancellationToken ct) => store.ListJobsAsync(limit, ct);

    public Task<JobRow?> JobAsync(Guid id, CancellationToken ct) => store.GetJobAsync(id, ct);

    /// <summary>What changes when a job's results or errors do.</summary>
    public static string VersionOf(JobRow job) =>
        $"{job.State}|{job.FinishedShards}|{job.TotalShards}|{job.SucceededItems}|{job.FailedItems}|{job.Results}";

    public async Task<IReadOnlyList<MethodTally>> TalliesAsync(JobRow job, CancellationToken ct)
    {
        var version = VersionOf(job);
        if (tallyCache.TryGetValue(job.Id, out var cached)
            && (cached.Version == version || (job.State == JobState.Running && DateTime.UtcNow - cached.At < TallyInterval)))
            return cached.Tallies;
        var counted = await tallies.OfJobAsync(job.Id, MethodsOf(job), ct);
        tallyCache[job.Id] = (version, DateTime.UtcNow, counted);
        return counted;
    }

    /// <summary>A page of errors after <paramref name="after"/>, with their items' paths and labels.</summary>
    public async Task<IReadOnlyList<ErrorLine>> ErrorsAsync(Guid id, long after, int limit, CancellationToken ct)
    {
        var errors = await store.ErrorsPageAsync(id, after, limit, ct);
        var numbers = errors.Where(e => e.ItemNumber is not null).Select(e => e.ItemNumber!.Value).Distinct().ToList();
        await using var db = await factory.CreateDbContextAsync(ct);
        var items = await db.Items.AsNoTracking().Where(i => i.JobId == id && numbers.Contains(i.Number))
            .Select(i => new { i.Number, i.Path, i.Label }).ToDictionaryAsync(i => i.Number, ct);
        return errors.Select(e =>
        {
            var item = e.ItemNumber is { } n && items.TryGetValue(n, out var found) ? found : null;
            return new ErrorLine(e.Id, e.ItemNumber, item?.Path, item?.Label, e.Stage, e.Method == "" ? null : e.Method, e.Message, e.At);
        }).ToList();
    }

    /// <summary>The job's cost preview (the model probed, the dataset counted), computed once per job.</summary>
    public Task<CostPlan> PlanAsync(JobRow job) =>
        plans.GetOrAdd(job.Id, _ => new Lazy<Task<CostPlan>>(() =>
            jobs.PlanAsync(StoredJobSpec.Read(job.Id, job.Spec), 1, CancellationToken.None))).Value;

    /// <summary>The methods the job asked for, from its stored spec.</summary>
    public static IReadOnlyList<string> MethodsOf(JobRow job) => SpecOf(job)?.Methods.Select(m => m.Name).ToList() ?? [];

    public static JobSpec? SpecOf(JobRow job) => StoredJobSpec.TryRead(job.Id, job.Spec);
}
