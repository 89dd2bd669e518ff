using Cam.Contracts;
using Cam.Datasets;
using Cam.Scheduler.Planning;
using Cam.Scheduler.Telemetry;
using Cam.Scheduler.Validation;
using Cam.Specs;
using Cam.Storage;

namespace Cam.Scheduler.Jobs;

/// <summary>
/// Accepts jobs (validates the spec against the data and model roots, stores the job and starts enumerating it) and
/// cancels them.
/// </summary>
public sealed class JobService(DatasetLocator datasets, JobStore store, JobEnumerator enumerator, JobSpecValidator validator, ModelProber prober)
{
    /// <summary>
    /// Validates the spec, asks a worker whether every method applies to the model (refused here, before anything is
    /// stored, when one does not), stores the job and starts enumerating it.
    /// </summary>
    public async Task<Guid> SubmitAsync(JobSpec spec, CancellationToken ct = default)
    {
        Validate(spec);
        var source = OpenDataset(spec);
        var datasetRoot = datasets.WorkerRoot(source);
        RefuseInapplicable(spec, await prober.ProbeAsync(spec, source, measureRate: false, ct));
        var id = Guid.NewGuid();
        await store.CreateJobAsync(id, StoredJobSpec.Write(spec), datasetRoot, ct);
        enumerator.Start(id, spec);
        return id;
    }

    /// <summary>
    /// The cost preview of a job that would be accepted as it is (the same refusals as <see cref="SubmitAsync"/>): the
    /// dataset's items counted by streaming it, the model probed with a timed forward, nothing stored.
    /// </summary>
    public async Task<CostPlan> PlanAsync(JobSpec spec, int workers, CancellationToken ct = default)
    {
        Validate(spec);
        var source = OpenDataset(spec);
        var probe = await prober.ProbeAsync(spec, source, measureRate: true, ct);
        RefuseInapplicable(spec, probe);
        long items = 0;
        await foreach (var _ in source.EnumerateAsync(ct)) items++;
        var classes = CostPlanner.ClassesPerItem(ClassPolicy.Parse(spec.Classes));
        return probe is null
            ? CostPlan.Unprobed(items, classes, workers)
            : CostPlanner.Plan(items, spec.Methods, probe, classes, spec.Metrics, spec.MetricSteps, workers);
    }

    /// <summary>
    /// Cancels a running job, for the API and the live page alike, and counts its end in <c>cam.jobs.finished</c> as
    /// every other ending is counted. False: the job had already ended (nothing counted).
    /// </summary>
    public async Task<bool> CancelAsync(Guid id, CancellationToken ct = default)
    {
        var cancelled = await store.TryCancelAsync(id, ct);
        SchedulerTelemetry.Finished(cancelled ? JobState.Cancelled : null);
        return cancelled;
    }

    private IDatasetSource OpenDataset(JobSpec spec)
    {
        try
        {
            return datasets.Open(spec);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new JobValidationException("dataset", e.Message);
        }
    }

    /// <summary>One refusal naming every method that cannot explain the model, with the model and the reason.</summary>
    private static void RefuseInapplicable(JobSpec spec, ModelProbed? probe)
    {
        if (probe is null) return;
        if (probe.Error is { } error) throw new JobValidationException("model", error);
        var refused = probe.Methods.Where(m => !m.Applicable).ToList();
        if (refused.Count > 0)
            throw new JobValidationException("methods", string.Join("; ", refused.Select(m => MethodApplicabilityMessage.NotApplicable(m.Method,
                spec.Model, m.Reason))));
    }

    /// <exception cref="JobValidationException">The job cannot be accepted; the message names the field.</exception>
    public void Validate(JobSpec spec)
    {
        validator.Validate(spec);
        datasets.PathOf(spec);
    }
}
