using Cam.Contracts;
using Cam.Datasets;
using Cam.Hosting;
using Cam.Scheduler.Validation;
using Cam.Specs;
using Cam.Scheduler.Telemetry;
using MassTransit;

namespace Cam.Scheduler.Planning;

/// <summary>
/// Asks a worker (any one: the probe queue is shared) to probe the job's model: the scheduler carries no libtorch.
/// The embedded mode's in-process workers answer the same request over the in-memory bus.
/// </summary>
public sealed class ModelProber(SchedulerSettings settings, ModelPackageInspector packages, IServiceProvider services, ILogger<ModelProber> logger)
{
    /// <summary>The worker's answer, or null when none came within <see cref="SchedulerSettings.ProbeTimeout"/> (or probing is off).</summary>
    public async Task<ModelProbed?> ProbeAsync(JobSpec spec, IDatasetSource dataset, bool measureRate, CancellationToken ct)
    {
        if (settings.ProbeTimeout <= TimeSpan.Zero) return null;
        var facts = packages.Inspect(spec.Model);
        var root = new DataRoot(settings.DataRoot);
        var samples = await SamplePathsAsync(dataset, ct);
        var (height, width) = facts.Preprocess.InputSize(FirstImageSize(root, dataset, samples));
        var client = services.GetRequiredService<IClientFactory>()
            .CreateRequestClient<ProbeModel>(new Uri($"queue:{QueueNames.ProbeModel}"),
                RequestTimeout.After(ms: (int)settings.ProbeTimeout.TotalMilliseconds));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var response = await client.GetResponse<ModelProbed>(new ProbeModel
            {
                Model = new ModelReference(spec.Model), Methods = spec.Methods, TargetLayers = spec.Layers, Height = height, Width = width,
                MeasureRate = measureRate, SamplePaths = measureRate ? samples : [], DatasetRoot = Path.GetRelativePath(root.FullPath, dataset.Root),
            }, ct);
            SchedulerTelemetry.ProbeDuration.Record(clock.Elapsed.TotalSeconds, new KeyValuePair<string,
                object?>(CamTelemetry.OutcomeAttribute, "answered"));
            return response.Message;
        }
        catch (RequestTimeoutException)
        {
            SchedulerTelemetry.ProbeDuration.Record(clock.Elapsed.TotalSeconds, new KeyValuePair<string,
                object?>(CamTelemetry.OutcomeAttribute, "timeout"));
            logger.LogWarning("no worker answered the probe of model {Model} within {Seconds}s: accepted unprobed; the workers check it when they " +
                "load it",
                spec.Model, settings.ProbeTimeout.TotalSeconds);
            return null;
        }
    }

    /// <summary>Sample images the probe measures active channels on: the dataset's first items.</summary>
    public const int SampleCount = 8;

    private static async Task<IReadOnlyList<string>> SamplePathsAsync(IDatasetSource dataset, CancellationToken ct)
    {
        var paths = new List<string>();
        try
        {
            await foreach (var item in dataset.EnumerateAsync(ct))
            {
                if (item.Error is null) paths.Add(item.Path);
                if (paths.Count == SampleCount) break;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
        }
        return paths;
    }

    /// <summary>The first sample's size from its header, or null when it cannot be read (the probe then assumes a size from the
    /// preprocessing).</summary>
    private static (int Height, int Width)? FirstImageSize(DataRoot root, IDatasetSource dataset, IReadOnlyList<string> samples)
    {
        if (samples.Count == 0) return null;
        try
        {
            var (w, h) = ImageDecoder.ReadSize(root.Resolve(dataset.Root, samples[0]));
            return (h, w);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or ImageDecodeException or UnsafePathException)
        {
            return null;
        }
    }
}
