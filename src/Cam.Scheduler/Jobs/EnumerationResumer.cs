using Cam.Specs;
using Cam.Storage;

namespace Cam.Scheduler.Jobs;

/// <summary>
/// Takes up the enumeration of running jobs whose dataset was not fully read and which this scheduler is not
/// enumerating: at start (after a restart) and then periodically (an enumeration that stopped on an error the
/// job could not even be failed for, or one left behind by another scheduler).
/// </summary>
public sealed class EnumerationResumer(SchedulerSettings settings, JobStore store, JobEnumerator enumerator, ILogger<EnumerationResumer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.EnumerationResumeInterval);
        do
        {
            try
            {
                await ResumeOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("looking for enumerations to resume failed, trying again later: {Reason}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task ResumeOnceAsync(CancellationToken ct)
    {
        foreach (var job in await store.RunningJobsAsync(ct))
        {
            if (job.EnumerationDone || enumerator.IsEnumerating(job.Id)) continue;
            JobSpec spec;
            try
            {
                spec = StoredJobSpec.Read(job.Id, job.Spec);
            }
            catch (InvalidDataException e)
            {
                logger.LogError("{Reason}; the job fails", e.Message);
                await store.TryFailJobAsync(job.Id, e.Message, ct);
                continue;
            }
            logger.LogInformation("resuming the enumeration of job {Job} after {Shards} shards", job.Id, job.TotalShards);
            enumerator.Start(job.Id, spec);
        }
    }
}
