using Cam.Hosting;
using System.Diagnostics.Metrics;
using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Scheduler.Telemetry;

/// <summary>What the scheduler's gauges show, counted from the database together.</summary>
public sealed record SchedulerCounts(IReadOnlyDictionary<string, long> JobsByState, IReadOnlyDictionary<string, long> ShardsByState,
    IReadOnlyList<JobRow> WatchedJobs)
{
    public static SchedulerCounts Empty { get; } = new(new Dictionary<string, long>(), new Dictionary<string, long>(), []);
}

/// <summary>
/// The scheduler's observable gauges: jobs by state, shards of running jobs published/running/pending, and each
/// running (or lately finished) job's items by state. A scrape reads the counts cached here, refreshed at most every
/// <see cref="RefreshInterval"/> in the background: however often Prometheus scrapes, the database sees three small
/// GROUP BY queries per interval.
/// </summary>
public sealed class SchedulerGauges : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);
    /// <summary>Finished jobs still shown, newest first: their final counts stay on the dashboard for a while.</summary>
    public const int RecentJobs = 20;

    private readonly IDbContextFactory<CamDbContext> factory;
    private readonly ILogger<SchedulerGauges> logger;
    // Its own meter (of the scheduler's name), so that the gauges end with this service: a process that hosts the
    // scheduler twice (tests) does not report the first one's counts for ever.
    private readonly Meter meter = new(SchedulerTelemetry.Name);
    private volatile SchedulerCounts counts = SchedulerCounts.Empty;

    public SchedulerGauges(IDbContextFactory<CamDbContext> factory, ILogger<SchedulerGauges> logger)
    {
        this.factory = factory;
        this.logger = logger;
        meter.CreateObservableGauge("cam.jobs", () => Counts.JobsByState.Select(p =>
            new Measurement<long>(p.Value, new KeyValuePair<string, object?>(SchedulerTelemetry.StateAttribute, p.Key))), "{job}", "Jobs by state");
        meter.CreateObservableGauge("cam.shards.outstanding", () => Counts.ShardsByState.Select(p =>
            new Measurement<long>(p.Value, new KeyValuePair<string, object?>(SchedulerTelemetry.StateAttribute, p.Key))), "{shard}",
            "Shards of running jobs by state: pending (not yet sent), published (queued for a worker), running");
        meter.CreateObservableGauge("cam.job.items", () => Counts.WatchedJobs.SelectMany(ItemsOf), "{item}",
            "Items of each running or lately finished job (cam.job, cam.job.state): total, succeeded, failed (cam.item.state)");
    }

    /// <summary>The counts the gauges show now.</summary>
    public SchedulerCounts Counts => counts;

    public async Task RefreshAsync(CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var jobs = await db.Jobs.GroupBy(j => j.State).Select(g => new { g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var running = db.Jobs.Where(j => j.State == JobState.Running).Select(j => j.Id);
        var shards = await db.Shards
            .Where(s => running.Contains(s.JobId)
                        && (s.State == ShardState.Pending || s.State == ShardState.Published || s.State == ShardState.Running))
            .GroupBy(s => s.State).Select(g => new { g.Key, Count = g.LongCount() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        foreach (var state in new[] { ShardState.Pending, ShardState.Published, ShardState.Running }) shards.TryAdd(state, 0);
        var watched = await db.Jobs.AsNoTracking().Where(j => j.State == JobState.Running).ToListAsync(ct);
        watched.AddRange(await db.Jobs.AsNoTracking().Where(j => j.State != JobState.Running).OrderByDescending(j => j.FinishedAt)
            .Take(RecentJobs).ToListAsync(ct));
        counts = new SchedulerCounts(jobs, shards, watched);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        BackgroundRounds.RunAsync(RefreshAsync, RefreshInterval,
            e => logger.LogDebug("the gauges' counts were not refreshed: {Reason}", e.Message), stoppingToken);

    public override void Dispose()
    {
        meter.Dispose();
        base.Dispose();
    }

    private static IEnumerable<Measurement<long>> ItemsOf(JobRow job)
    {
        var id = CamTelemetry.Job(job.Id);
        var state = new KeyValuePair<string, object?>(SchedulerTelemetry.JobStateAttribute, job.State);
        yield return new Measurement<long>(job.TotalItems, id, state, new(SchedulerTelemetry.ItemStateAttribute, "total"));
        yield return new Measurement<long>(job.SucceededItems, id, state, new(SchedulerTelemetry.ItemStateAttribute, "succeeded"));
        yield return new Measurement<long>(job.FailedItems, id, state, new(SchedulerTelemetry.ItemStateAttribute, "failed"));
    }
}
