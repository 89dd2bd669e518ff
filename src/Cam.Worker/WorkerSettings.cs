namespace Cam.Worker;

/// <summary>How a worker runs; from the environment (docs/conventions.md) unless a host sets it.</summary>
public sealed record WorkerSettings
{
    public string DataRoot { get; init; } = Directory.GetCurrentDirectory();
    public string ModelRoot { get; init; } = Directory.GetCurrentDirectory();
    /// <summary>Shards processed at once by this worker (= prefetch).</summary>
    public int Concurrency { get; init; } = 1;
    /// <summary>Images explained together, at most.</summary>
    public int BatchSize { get; init; } = 16;
    /// <summary>
    /// Decoded pixels in one batch, at most (an image above it is a batch of its own): with the next batch prefetched,
    /// a worker holds about twice this decoded, 3 bytes a pixel, whatever the photos' sizes.
    /// </summary>
    public long MaxBatchPixels { get; init; } = DefaultMaxBatchPixels;
    public const long DefaultMaxBatchPixels = 64_000_000;
    public string Device { get; init; } = "cpu";
    /// <summary>Replace the engine by a no-op that stores a map per result without images or models: measures the pipeline alone.</summary>
    public bool NoOpExplainer { get; init; }
    /// <summary>Side of the no-op's square maps, so that a pipeline benchmark stores maps of a real model's size (7 for a ResNet at 224).</summary>
    public int NoOpMapSize { get; init; } = 1;
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(660);
    /// <summary>How long a claim on a shard lasts unless renewed; the worker renews it every quarter of it while it works.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan HeartbeatInterval => Lease / 4;
    /// <summary>Model packages kept loaded; the least recently used beyond this are disposed.</summary>
    public int ModelCacheSize { get; init; } = 2;
    /// <summary>Who holds a claim: this worker process, uniquely.</summary>
    public string InstanceId { get; init; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>From configuration: environment variables, overridden by command-line flags (<c>--CAM_DATA_ROOT=/data</c>).</summary>
    public static WorkerSettings From(Microsoft.Extensions.Configuration.IConfiguration config) => new()
    {
        DataRoot = Env(config, "CAM_DATA_ROOT") ?? Directory.GetCurrentDirectory(),
        ModelRoot = Env(config, "CAM_MODEL_ROOT") ?? Directory.GetCurrentDirectory(),
        Concurrency = int.TryParse(Env(config, "CAM_WORKER_CONCURRENCY"), out var c) && c > 0 ? c : 1,
        BatchSize = int.TryParse(Env(config, "CAM_WORKER_BATCH_SIZE"), out var b) && b > 0 ? b : 16,
        MaxBatchPixels = long.TryParse(Env(config, "CAM_WORKER_BATCH_MEGAPIXELS"), out var mp) && mp > 0 ? mp * 1_000_000 : DefaultMaxBatchPixels,
        Device = Env(config, "CAM_DEVICE") ?? "cpu",
        NoOpExplainer = Env(config, "CAM_WORKER_NOOP") is "1" or "true",
        NoOpMapSize = int.TryParse(Env(config, "CAM_WORKER_NOOP_MAP_SIZE"), out var side) && side is > 0 and <= 64 ? side : 1,
        StopTimeout = TimeSpan.FromSeconds(int.TryParse(Env(config, "CAM_WORKER_STOP_TIMEOUT_SECONDS"), out var s) && s > 0 ? s : 660),
        Lease = TimeSpan.FromSeconds(int.TryParse(Env(config, "CAM_SHARD_LEASE_SECONDS"), out var l) && l > 0 ? l : 120),
        ModelCacheSize = int.TryParse(Env(config, "CAM_MODEL_CACHE_SIZE"), out var m) && m > 0 ? m : 2,
    };

    private static string? Env(Microsoft.Extensions.Configuration.IConfiguration config, string name) => config[name] is { Length: > 0 } v ? v : null;
}
