using Cam.Contracts;
using Cam.Scheduler;
using Cam.Scheduler.Jobs;
using Cam.Storage;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cam.Jobs.Tests;

/// <summary>CAM_JOB_RETENTION_DAYS: finished jobs older than that are deleted by the scheduler; running ones and recent ones stay.</summary>
public class JobRetentionTests
{
    public static TheoryData<string> Providers() => TestDatabases.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_sweep_deletes_the_jobs_that_finished_before_the_retention_and_no_other(string provider)
    {
        var (services, _) = await TestDatabases.CreateAsync(provider);
        await using var _s = services;
        var store = services.GetRequiredService<JobStore>();
        var now = DateTime.UtcNow;
        var expired = await JobAsync(services, finishedDaysAgo: 8);
        var recent = await JobAsync(services, finishedDaysAgo: 6);
        var running = await JobAsync(services, finishedDaysAgo: null);
        var settings = SchedulerSettings.From(SettingsTests.Configuration(("CAM_JOB_RETENTION_DAYS", "7")));
        var retention = new JobRetention(services.GetRequiredService<JobDeletion>(), settings, NullLogger<JobRetention>.Instance);

        Assert.Equal([expired], await retention.SweepAsync(now, CancellationToken.None));

        Assert.Null(await store.GetJobAsync(expired));
        Assert.NotNull(await store.GetJobAsync(recent));
        Assert.Equal(JobState.Running, (await store.GetJobAsync(running))!.State);
        Assert.Empty(await retention.SweepAsync(now, CancellationToken.None));
        // Off by default: nothing is deleted, however old.
        var off = new JobRetention(services.GetRequiredService<JobDeletion>(), new SchedulerSettings(), NullLogger<JobRetention>.Instance);
        Assert.Empty(await off.SweepAsync(now.AddYears(10), CancellationToken.None));
        Assert.NotNull(await store.GetJobAsync(recent));
    }

    [Fact]
    public void The_retention_is_off_unless_set_and_a_value_that_is_not_a_positive_number_of_days_is_refused()
    {
        Assert.Null(new SchedulerSettings().JobRetention);
        Assert.Null(SchedulerSettings.From(SettingsTests.Configuration()).JobRetention);
        Assert.Equal(TimeSpan.FromDays(30), SchedulerSettings.From(SettingsTests.Configuration(("CAM_JOB_RETENTION_DAYS", "30"))).JobRetention);
        foreach (var bad in new[] { "0", "-3", "a week" })
        {
            var error = Assert.Throws<InvalidSettingException>(() =>
                SchedulerSettings.From(SettingsTests.Configuration(("CAM_JOB_RETENTION_DAYS", bad))));
            Assert.Contains("CAM_JOB_RETENTION_DAYS", error.Message);
        }
    }

    /// <summary>A job with one item and one result; finished (cancelled) that many days ago, or still running.</summary>
    private static async Task<Guid> JobAsync(ServiceProvider services, int? finishedDaysAgo)
    {
        var store = services.GetRequiredService<JobStore>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, "{}");
        await store.AddShardAsync(job, 0, [new() { JobId = job, Number = 0, Path = "0.png", State = ItemState.Pending }]);
        if (finishedDaysAgo is not { } days) return job;
        await store.TryCancelAsync(job);
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        await db.Jobs.Where(j => j.Id == job).ExecuteUpdateAsync(s => s.SetProperty(j => j.FinishedAt, DateTime.UtcNow.AddDays(-days)));
        return job;
    }
}
