using System.Diagnostics.Metrics;
using Cam.Contracts;

namespace Cam.Engine;

/// <summary>
/// The engine's meter (a worker exports it; docs/metrics.md): the masked forwards of the Score-CAM family and the
/// faithfulness metrics, the chunk sizes they ran in, and the out-of-memory back-offs that halved a chunk.
/// </summary>
public static class EngineTelemetry
{
    public const string Name = "Cam.Engine";
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> MaskedForwards = Meter.Count("cam.masked_forwards", "{forward}", "Masked inputs forwarded");
    public static readonly Histogram<long> ChunkSize = Meter.Sizes("cam.masked_forward.chunk.size", "{input}",
        "Masked inputs forwarded together", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]);
    public static readonly Counter<long> OutOfMemoryBackoffs =
        Meter.Count("cam.oom_backoffs", "{backoff}", "Chunks halved after an out-of-memory error");
}
