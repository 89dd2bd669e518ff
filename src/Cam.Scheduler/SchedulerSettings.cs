using Cam.Contracts;

namespace Cam.Scheduler;

/// <summary>How the scheduler runs; from the environment (docs/conventions.md) unless a host sets it.</summary>
public sealed record SchedulerSettings
{
    public string DataRoot { get; init; } = Directory.GetCurrentDirectory();
    public string ModelRoot { get; init; } = Directory.GetCurrentDirectory();
    public string? ApiKey { get; init; }
    /// <summary>Runs the API without a key; set on purpose (a scheduler without a key and without this does not start).</summary>
    public bool ApiKeyDisabled { get; init; }
    /// <summary>PostgreSQL's connection string (a deployment); an embedded run sets its storage itself.</summary>
    public string? Postgres { get; init; }
    /// <summary>The broker (amqp://); an embedded run uses memory.</summary>
    public Uri? RabbitMq { get; init; }
    /// <summary>Where the API and the health endpoints listen.</summary>
    public string Urls { get; init; } = "http://0.0.0.0:8080";
    /// <summary>Applies the migrations at start (a single scheduler; a deployment runs them once in a job instead).</summary>
    public bool MigrateOnStart { get; init; }
    /// <summary>Shards of running jobs published or running at once: flow control towards the broker.</summary>
    public int MaxOutstandingShards { get; init; } = 64;
    /// <summary>A published shard that no worker has claimed within this is published again (its message may be lost).</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(3600);
    /// <summary>
    /// A published shard still unclaimed this long after publication, while a shard of its job published later has
    /// been claimed, lost its message (the queue delivers in order) and is published again. Longer than a worker's
    /// retries of a delivery that cannot reach the database (about 50 s), so that a message still being retried is not
    /// taken for lost; a copy published in vain is dropped by whichever worker comes second.
    /// </summary>
    public TimeSpan OvertakenAfter { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>Failed attempts (errors, or workers that died holding the shard) after which a shard fails and its items become item
    /// errors.</summary>
    public int MaxAttempts { get; init; } = 3;
    /// <summary>Items per shard when a job does not say.</summary>
    public int DefaultShardSize { get; init; } = 32;
    /// <summary>Items the enumeration stores per transaction (whole shards; a shard larger than this goes alone).</summary>
    public int EnumerationBatchItems { get; init; } = 8192;
    public TimeSpan DispatchInterval { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>How long sending one shard's message may take before it counts as failed and the shard goes back to pending.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Waits between the attempts of an enumeration that fails (the database away, the data volume gone); the job fails after the
    /// last.</summary>
    public IReadOnlyList<TimeSpan> EnumerationRetryDelays { get; init; } = new[] { 1, 2, 4, 8, 16, 32 }.Select(s => TimeSpan.FromSeconds(s)).ToList();
    /// <summary>
    /// How long a submission waits for a worker to answer the model probe (applicability of the methods, forward rate).
    /// Without an answer in time the job is accepted, and the workers check applicability when they load the package.
    /// Zero: no probe at all.
    /// </summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How often running jobs whose enumeration is unfinished and not in progress here are taken up again.</summary>
    public TimeSpan EnumerationResumeInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Finished jobs older than this are deleted (<c>CAM_JOB_RETENTION_DAYS</c>); null: kept for ever.</summary>
    public TimeSpan? JobRetention { get; init; }
    /// <summary>How often the retention sweep looks for expired jobs.</summary>
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>From configuration: environment variables, overridden by command-line flags (<c>--CAM_DATA_ROOT=/data</c>); a malformed value throws
    /// naming it.</summary>
    public static SchedulerSettings From(Microsoft.Extensions.Configuration.IConfiguration config) => From(name => config[name]);

    /// <summary>From <paramref name="lookup"/>, a variable's value by its name (null when unset).</summary>
    public static SchedulerSettings From(Func<string, string?> lookup)
    {
        var values = new SettingValues(lookup);
        return new()
        {
            DataRoot = values.Folder("CAM_DATA_ROOT"),
            ModelRoot = values.Folder("CAM_MODEL_ROOT"),
            ApiKey = values.Text("CAM_API_KEY"),
            ApiKeyDisabled = values.Flag("CAM_API_KEY_DISABLED"),
            Postgres = values.Text("CAM_POSTGRES"),
            RabbitMq = values.AbsoluteUri("CAM_RABBITMQ", "amqp", "rabbitmq"),
            Urls = values.Text("CAM_SCHEDULER_URLS") ?? "http://0.0.0.0:8080",
            MigrateOnStart = values.Flag("CAM_MIGRATE_ON_START"),
            MaxOutstandingShards = values.PositiveInt("CAM_MAX_OUTSTANDING_SHARDS", 64),
            QueueTimeout = values.Seconds("CAM_SHARD_QUEUE_TIMEOUT_SECONDS", 3600),
            OvertakenAfter = values.NonNegativeSeconds("CAM_SHARD_OVERTAKEN_SECONDS", 120),
            MaxAttempts = values.PositiveInt("CAM_SHARD_MAX_ATTEMPTS", 3),
            DefaultShardSize = values.PositiveInt("CAM_SHARD_SIZE", 32),
            ProbeTimeout = values.NonNegativeSeconds("CAM_PROBE_TIMEOUT_SECONDS", 30),
            JobRetention = values.Text("CAM_JOB_RETENTION_DAYS") is null ? null : TimeSpan.FromDays(values.PositiveInt("CAM_JOB_RETENTION_DAYS", 1)),
        };
    }
}
