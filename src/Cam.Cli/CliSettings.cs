using Cam.Contracts;

namespace Cam.Cli;

/// <summary>
/// The environment that <c>cam</c> reads (docs/conventions.md), each value a default for the option that names it
/// (<c>--scheduler</c>, <c>--postgres</c>, …): read once, a malformed value refused naming the variable.
/// </summary>
public sealed record CliSettings
{
    /// <summary>The scheduler's API for submit/status/cancel/results.</summary>
    public Uri SchedulerUrl { get; init; } = new("http://localhost:8080");
    public string? ApiKey { get; init; }
    /// <summary>PostgreSQL of a deployment, for <c>report</c>, <c>diff</c> and <c>bench-pipeline</c>.</summary>
    public string? Postgres { get; init; }
    /// <summary>The broker, for <c>bench-pipeline</c>.</summary>
    public string? RabbitMq { get; init; }
    public string? DataRoot { get; init; }
    public string? ModelRoot { get; init; }
    /// <summary>The embedded run logs its scheduler and workers to the console.</summary>
    public bool Log { get; init; }

    /// <summary>This process's environment, read on first use.</summary>
    public static CliSettings Current => ReadOnce.Value;

    private static readonly Lazy<CliSettings> ReadOnce = new(() => From(Environment.GetEnvironmentVariable));

    public static CliSettings From(Func<string, string?> lookup)
    {
        var values = new SettingValues(lookup);
        return new()
        {
            SchedulerUrl = values.AbsoluteUri("CAM_SCHEDULER_URL", "http", "https") ?? new Uri("http://localhost:8080"),
            ApiKey = values.Text("CAM_API_KEY"),
            Postgres = values.Text("CAM_POSTGRES"),
            RabbitMq = values.Text("CAM_RABBITMQ"),
            DataRoot = values.Text("CAM_DATA_ROOT"),
            ModelRoot = values.Text("CAM_MODEL_ROOT"),
            Log = values.Flag("CAM_LOG"),
        };
    }
}
