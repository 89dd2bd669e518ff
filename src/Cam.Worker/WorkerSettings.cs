using Cam.Contracts;
using Cam.Engine.Precision;

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
    /// <summary>
    /// Decode JPEGs at a reduced DCT scale (<c>"fastDecode": true</c>) for every package whose <c>preprocess</c> does
    /// not say <c>fastDecode</c> itself; a package's own <c>true</c> or <c>false</c> wins.
    /// </summary>
    public bool FastDecode { get; init; }
    /// <summary>
    /// Precision of the masked forwards (Score-CAM family, Ablation-CAM, faithfulness metrics) and of the gradient methods'
    /// explained forward and backward: bfloat16 or float16, optionally channels-last; activations, gradients and maps
    /// are combined in float32. Null: float32.
    /// </summary>
    public ForwardPrecision? Precision { get; init; }
    /// <summary>Replace the engine by a no-op that stores a map per result without images or models: measures the pipeline alone.</summary>
    public bool NoOpExplainer { get; init; }
    /// <summary>Side of the no-op's square maps, so that a pipeline benchmark stores maps of a real model's size (7 for a ResNet at 224).</summary>
    public int NoOpMapSize { get; init; } = 1;
    /// <summary>How long the bus waits, when the worker stops, for the shards in progress to finish.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(660);
    /// <summary>How long the whole host may take to stop (longer than <see cref="StopTimeout"/>).</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(690);
    /// <summary>PostgreSQL's connection string (a deployment); an embedded run sets its storage itself.</summary>
    public string? Postgres { get; init; }
    /// <summary>The broker (amqp://); an embedded run uses memory.</summary>
    public Uri? RabbitMq { get; init; }
    /// <summary>Where the health endpoints listen.</summary>
    public string Urls { get; init; } = "http://0.0.0.0:8081";
    /// <summary>How long a claim on a shard lasts unless renewed; the worker renews it every quarter of it while it works.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan HeartbeatInterval => Lease / 4;
    /// <summary>
    /// Cancelled when the whole run is abandoned (the embedded <c>cam run</c> interrupted, its job cancelled): a shard in
    /// progress stops at the next chunk of masked forwards and is dropped, not reported. A distributed worker told to stop
    /// finishes its shard instead, so it leaves this unset.
    /// </summary>
    public CancellationToken Abandon { get; init; }
    /// <summary>Model packages kept loaded; the least recently used beyond this are disposed.</summary>
    public int ModelCacheSize { get; init; } = 2;
    /// <summary>Who holds a claim: this worker process, uniquely.</summary>
    public string InstanceId { get; init; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>From configuration: environment variables, overridden by command-line flags (<c>--CAM_DATA_ROOT=/data</c>); a malformed value throws
    /// naming it.</summary>
    public static WorkerSettings From(Microsoft.Extensions.Configuration.IConfiguration config) => From(name => config[name]);

    /// <summary>From <paramref name="lookup"/>, a variable's value by its name (null when unset).</summary>
    public static WorkerSettings From(Func<string, string?> lookup)
    {
        var values = new SettingValues(lookup);
        return new()
        {
            DataRoot = values.Folder("CAM_DATA_ROOT"),
            ModelRoot = values.Folder("CAM_MODEL_ROOT"),
            Concurrency = values.PositiveInt("CAM_WORKER_CONCURRENCY", 1),
            BatchSize = values.PositiveInt("CAM_WORKER_BATCH_SIZE", 16),
            MaxBatchPixels = values.PositiveLong("CAM_WORKER_BATCH_MEGAPIXELS", DefaultMaxBatchPixels / 1_000_000, max: 1_000_000) * 1_000_000,
            Device = values.Text("CAM_DEVICE") ?? "cpu",
            FastDecode = values.Flag("CAM_WORKER_FAST_DECODE"),
            Precision = PrecisionFrom(values),
            NoOpExplainer = values.Flag("CAM_WORKER_NOOP"),
            NoOpMapSize = (int)values.PositiveLong("CAM_WORKER_NOOP_MAP_SIZE", 1, max: 64),
            StopTimeout = values.Seconds("CAM_WORKER_STOP_TIMEOUT_SECONDS", 660),
            ShutdownTimeout = values.Seconds("CAM_SHUTDOWN_TIMEOUT_SECONDS", 690),
            Postgres = values.Text("CAM_POSTGRES"),
            RabbitMq = values.AbsoluteUri("CAM_RABBITMQ", "amqp", "rabbitmq"),
            Urls = values.Text("CAM_WORKER_URLS") ?? "http://0.0.0.0:8081",
            Lease = values.Seconds("CAM_SHARD_LEASE_SECONDS", 120),
            ModelCacheSize = values.PositiveInt("CAM_MODEL_CACHE_SIZE", 2),
        };
    }

    private static ForwardPrecision? PrecisionFrom(SettingValues values)
    {
        var channelsLast = values.Flag("CAM_WORKER_CHANNELS_LAST");
        try
        {
            return ForwardPrecision.Parse(values.Text("CAM_WORKER_DTYPE"), channelsLast).UnlessPlain;
        }
        catch (ArgumentException e)
        {
            throw new InvalidSettingException($"CAM_WORKER_DTYPE: {e.Message}");
        }
    }
}
