using Cam.Contracts;
using Cam.Datasets;
using Cam.Scheduler.Jobs;
using Cam.Scheduler.Validation;
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
        var (height, width) = facts.Preprocess.InputSize(await FirstImageSizeAsync(new DataRoot(settings.DataRoot), dataset, ct));
        var client = services.GetRequiredService<IClientFactory>()
            .CreateRequestClient<ProbeModel>(new Uri($"queue:{QueueNames.ProbeModel}"), RequestTimeout.After(ms: (int)settings.ProbeTimeout.TotalMilliseconds));
        try
        {
            var response = await client.GetResponse<ModelProbed>(new ProbeModel
            {
                Model = new ModelReference(spec.Model), Methods = spec.Methods, TargetLayers = spec.Layers, Height = height, Width = width,
                MeasureRate = measureRate,
            }, ct);
            return response.Message;
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("no worker answered the probe of model {Model} within {Seconds}s: accepted unprobed; the workers check it when they load it",
                spec.Model, settings.ProbeTimeout.TotalSeconds);
            return null;
        }
    }

    /// <summary>The first item's size from its header, or null when it cannot be read (the probe then assumes a size from the preprocessing).</summary>
    private static async Task<(int Height, int Width)?> FirstImageSizeAsync(DataRoot root, IDatasetSource dataset, CancellationToken ct)
    {
        try
        {
            await foreach (var item in dataset.EnumerateAsync(ct))
            {
                var (w, h) = ImageDecoder.ReadSize(root.Resolve(dataset.Root, item.Path));
                return (h, w);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or ImageDecodeException or UnsafePathException)
        {
        }
        return null;
    }
}
