using System.Text.Json;
using Cam.Contracts;
using Cam.Datasets;
using Cam.Storage;

namespace Cam.Scheduler.Jobs;

public sealed class JobValidationException(string message) : Exception(message);

/// <summary>Accepts jobs: validates the spec against the data and model roots, stores the job and starts enumerating it.</summary>
public sealed class JobService(SchedulerSettings settings, JobStore store, JobEnumerator enumerator)
{
    public async Task<Guid> SubmitAsync(JobSpec spec, CancellationToken ct = default)
    {
        Validate(spec);
        var id = Guid.NewGuid();
        await store.CreateJobAsync(id, JsonSerializer.Serialize(spec, JsonSerializerOptions.Web), ct);
        enumerator.Start(id, spec);
        return id;
    }

    public void Validate(JobSpec spec)
    {
        if (spec.Methods.Count == 0) throw new JobValidationException("at least one method is needed");
        foreach (var m in spec.Methods)
        {
            if (!MethodNames.IsKnown(m.Name)) throw new JobValidationException($"unknown method '{m.Name}' (known: {string.Join(", ", MethodNames.All)})");
            if (m.Convention is not null && !MethodNames.Conventions.Contains(m.Convention))
                throw new JobValidationException($"methods: unknown convention '{m.Convention}' for '{m.Name}' (known: {string.Join(", ", MethodNames.Conventions)})");
        }
        try
        {
            ClassPolicy.Parse(spec.Classes);
        }
        catch (FormatException e)
        {
            throw new JobValidationException(e.Message);
        }
        if (spec.ShardSize is < 1 or > 10_000) throw new JobValidationException("shardSize must be between 1 and 10000");
        if (spec.MetricSteps is < 1 or > 256) throw new JobValidationException("metricSteps must be between 1 and 256");
        DatasetPath(spec);
        var model = Under(settings.ModelRoot, spec.Model, "model");
        if (!File.Exists(Path.Combine(model, "model.json"))) throw new JobValidationException($"model package '{spec.Model}' has no model.json");
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
            throw new JobValidationException($"dataset: {e.Message}");
        }
        if (!File.Exists(path) && !Directory.Exists(path)) throw new JobValidationException($"dataset '{spec.Dataset}' does not exist");
        return path;
    }

    private static string Under(string root, string relative, string what)
    {
        var fullRoot = Path.GetFullPath(root);
        var full = Path.GetFullPath(Path.Combine(fullRoot, relative));
        if (full != fullRoot && !full.StartsWith(fullRoot.TrimEnd('/') + "/", StringComparison.Ordinal))
            throw new JobValidationException($"{what} '{relative}' is outside its root");
        return full;
    }

    /// <summary>The dataset root as the workers see it: relative to the data root.</summary>
    public string WorkerDatasetRoot(IDatasetSource source) => Path.GetRelativePath(new DataRoot(settings.DataRoot).FullPath, source.Root);
}
