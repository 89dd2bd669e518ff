using System.Diagnostics.Metrics;
using Cam.Engine.Chunking;

namespace Cam.Worker.Telemetry;

/// <summary>
/// Memory of the worker's device, read at each collection: on CUDA the device's used and free bytes
/// (<c>cudaMemGetInfo</c>), on the CPU the process's resident set (used) alone.
/// </summary>
public sealed class DeviceMemoryGauges : IHostedService, IDisposable
{
    private readonly Meter meter = new(WorkerTelemetry.Name);

    public DeviceMemoryGauges(WorkerSettings settings)
    {
        var device = settings.Device;
        var cuda = CudaIndex(device);
        var attribute = new KeyValuePair<string, object?>(WorkerTelemetry.DeviceAttribute, device);
        meter.CreateObservableGauge("cam.device.memory.used", () => Used(cuda) is { } used ? [new Measurement<long>(used, attribute)]
            : Array.Empty<Measurement<long>>(),
            "By", "Device memory in use (CUDA), or the process's resident memory (CPU)");
        meter.CreateObservableGauge("cam.device.memory.free", () => cuda is { } index && CudaRuntime.Memory(index) is { } memory
            ? [new Measurement<long>(memory.Free, attribute)] : Array.Empty<Measurement<long>>(), "By", "Free device memory (CUDA only)");
    }

    /// <summary>The CUDA device's index (<c>cuda</c> is 0), or null on another device.</summary>
    public static int? CudaIndex(string device) =>
        device == "cuda" ? 0 : device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device[5..], out var index) ? index : null;

    private static long? Used(int? cuda)
    {
        if (cuda is not { } index) return Environment.WorkingSet;
        return CudaRuntime.Memory(index) is { } memory ? memory.Total - memory.Free : null;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public void Dispose() => meter.Dispose();
}
