using Cam.Datasets;
using Cam.Scheduler.Validation;
using Cam.Specs;

namespace Cam.Scheduler.Jobs;

/// <summary>Where a job's dataset lies: under the scheduler's data root, and as the workers see it.</summary>
public sealed class DatasetLocator(SchedulerSettings settings)
{
    /// <summary>The dataset's canonical path, which must lie under the data root (symbolic links included).</summary>
    /// <exception cref="JobValidationException">The path leaves the data root or does not exist.</exception>
    public string PathOf(JobSpec spec)
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

    /// <summary>The dataset's source, opened from its canonical path.</summary>
    public IDatasetSource Open(JobSpec spec) => DatasetSources.Open(PathOf(spec));

    /// <summary>The dataset root as the workers see it: relative to the data root.</summary>
    public string WorkerRoot(IDatasetSource source) => Path.GetRelativePath(new DataRoot(settings.DataRoot).FullPath, source.Root);
}
