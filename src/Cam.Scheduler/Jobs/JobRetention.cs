using Cam.Storage;

namespace Cam.Scheduler.Jobs;

/// <summary>
/// Deletes finished jobs older than <see cref="SchedulerSettings.JobRetention"/> (<c>CAM_JOB_RETENTION_DAYS</c>; off
/// when unset), by when they finished, every <see cref="SchedulerSettings.RetentionInterval"/>. Running jobs stay
/// whatever their age.
/// </summary>
public sealed class JobRetention(JobDeletion deletion, SchedulerSettings settings, ILogger<JobRetention> log) : BackgroundService
{
    /// <summary>Jobs one sweep deletes at most; the next sweep takes the rest.</summary>
    public const int SweepLimit = 100;

    /// <summary>Deletes the jobs that finished before <paramref name="now"/> minus the retention; returns them.</summary>
    public async Task<IReadOnlyList<Guid>> SweepAsync(DateTime now, CancellationToken ct)
    {
        if (settings.JobRetention is not { } retention) return [];
        var expired = await deletion.FinishedBeforeAsync(now - retention, SweepLimit, ct);
        foreach (var job in expired)
        {
            await deletion.DeleteAsync(job, ct);
            log.LogInformation("deleted job {Job}: finished over {Days} days ago (CAM_JOB_RETENTION_DAYS)", job, retention.TotalDays);
        }
        return expired;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.JobRetention is null) return;
        using var timer = new PeriodicTimer(settings.RetentionInterval);
        do
        {
            try
            {
                await SweepAsync(DateTime.UtcNow, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "the retention sweep failed; it runs again in {Interval}", settings.RetentionInterval);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
