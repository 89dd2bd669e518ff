using System.Text.Json;
using Cam.Datasets;
using Cam.Scheduler.Validation;
using Cam.Storage;

namespace Cam.Scheduler.Jobs;

/// <summary>Accepts jobs: validates the spec against the data and model roots, stores the job and starts enumerating it.</summary>
public sealed class JobService(SchedulerSettings settings, JobStore store, JobEnumerator enumerator, JobSpecValidator validator)
{
    public async Task<Guid> SubmitAsync(JobSpec spec, CancellationToken ct = default)
    {
        Validate(spec);
        string datasetRoot;
        try
        {
            datasetRoot = WorkerDatasetRoot(DatasetSources.Open(DatasetPath(spec)));
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new JobValidationException("dataset", e.Message);
        }
        var id = Guid.NewGuid();
        await store.CreateJobAsync(id, JsonSerializer.Serialize(spec, JsonSerializerOptions.Web), datasetRoot, ct);
        enumerator.Start(id, spec);
        return id;
    }

    /// <exception cref="JobValidationException">The job cannot be accepted; the message names the field.</exception>
    public void Validate(JobSpec spec)
    {
        validator.Validate(spec);
        DatasetPath(spec);
    }

    /// <summary>The dataset's canonical path, which must lie under the data root (symbolic links included).</summary>
    public string DatasetPath(JobSpec spec)
    {
        string path;
        try
        {
            path = new DataRoot(settings.DataRoot).Resolve(spec.Dataset);
        }
        catch (UnsafePathException e)
        {
            throw new JobValidationException("dataset", e.Message);
        }
        if (!File.Exists(path) && !Directory.Exists(path)) throw new JobValidationException("dataset", $"'{spec.Dataset}' does not exist");
        return path;
    }

    /// <summary>The dataset root as the workers see it: relative to the data root.</summary>
    public string WorkerDatasetRoot(IDatasetSource source) => Path.GetRelativePath(new DataRoot(settings.DataRoot).FullPath, source.Root);
}
