namespace Cam.Worker;

/// <summary>How a worker runs; from the environment (docs/conventions.md) unless a host sets it.</summary>
public sealed record WorkerSettings
{
    public string DataRoot { get; init; } = Directory.GetCurrentDirectory();
    public string ModelRoot { get; init; } = Directory.GetCurrentDirectory();
    /// <summary>Shards processed at once by this worker (= prefetch).</summary>
    public int Concurrency { get; init; } = 1;
    /// <summary>Images explained together.</summary>
    public int BatchSize { get; init; } = 16;
    public string Device { get; init; } = "cpu";
    /// <summary>Replace the engine by a no-op that stores an empty map per result: measures the pipeline alone.</summary>
    public bool NoOpExplainer { get; init; }
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(660);

    public static WorkerSettings FromEnvironment() => new()
    {
        DataRoot = Env("CAM_DATA_ROOT") ?? Directory.GetCurrentDirectory(),
        ModelRoot = Env("CAM_MODEL_ROOT") ?? Directory.GetCurrentDirectory(),
        Concurrency = int.TryParse(Env("CAM_WORKER_CONCURRENCY"), out var c) && c > 0 ? c : 1,
        BatchSize = int.TryParse(Env("CAM_WORKER_BATCH_SIZE"), out var b) && b > 0 ? b : 16,
        Device = Env("CAM_DEVICE") ?? "cpu",
        NoOpExplainer = Env("CAM_WORKER_NOOP") is "1" or "true",
        StopTimeout = TimeSpan.FromSeconds(int.TryParse(Env("CAM_WORKER_STOP_TIMEOUT_SECONDS"), out var s) && s > 0 ? s : 660),
    };

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
