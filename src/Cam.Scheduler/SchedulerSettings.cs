namespace Cam.Scheduler;

/// <summary>How the scheduler runs; from the environment (docs/conventions.md) unless a host sets it.</summary>
public sealed record SchedulerSettings
{
    public string DataRoot { get; init; } = Directory.GetCurrentDirectory();
    public string ModelRoot { get; init; } = Directory.GetCurrentDirectory();
    public string? ApiKey { get; init; }
    /// <summary>Shards published and not yet finished, across jobs: flow control towards the broker.</summary>
    public int MaxOutstandingShards { get; init; } = 64;
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(600);
    /// <summary>Items per shard when a job does not say.</summary>
    public int DefaultShardSize { get; init; } = 32;
    public TimeSpan DispatchInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>From configuration: environment variables, overridden by command-line flags (<c>--CAM_DATA_ROOT=/data</c>).</summary>
    public static SchedulerSettings From(Microsoft.Extensions.Configuration.IConfiguration config) => new()
    {
        DataRoot = Env(config, "CAM_DATA_ROOT") ?? Directory.GetCurrentDirectory(),
        ModelRoot = Env(config, "CAM_MODEL_ROOT") ?? Directory.GetCurrentDirectory(),
        ApiKey = Env(config, "CAM_API_KEY"),
        MaxOutstandingShards = int.TryParse(Env(config, "CAM_MAX_OUTSTANDING_SHARDS"), out var m) && m > 0 ? m : 64,
        Lease = TimeSpan.FromSeconds(int.TryParse(Env(config, "CAM_SHARD_LEASE_SECONDS"), out var l) && l > 0 ? l : 600),
        DefaultShardSize = int.TryParse(Env(config, "CAM_SHARD_SIZE"), out var s) && s > 0 ? s : 32,
    };

    private static string? Env(Microsoft.Extensions.Configuration.IConfiguration config, string name) => config[name] is { Length: > 0 } v ? v : null;
}
