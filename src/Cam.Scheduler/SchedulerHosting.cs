using Cam.Contracts;
using Cam.Hosting;
using Cam.Scheduler.Api;
using Cam.Scheduler.Pages;
using Cam.Storage;

namespace Cam.Scheduler;

/// <summary>The scheduler of a deployment (<c>Cam.SchedulerHost</c>): PostgreSQL, RabbitMQ, the jobs API.</summary>
public static class SchedulerHosting
{
    /// <summary>
    /// Everything the scheduler runs on, from its settings (<see cref="SchedulerSettings.From"/>: a missing or
    /// malformed one stops it here, named): storage, the scheduler's services, the shard queue, the bus, health checks.
    /// </summary>
    public static SchedulerSettings AddCamScheduler(this IHostApplicationBuilder builder)
    {
        var settings = SchedulerSettings.From(builder.Configuration);
        if (settings.ApiKey is null && !settings.ApiKeyDisabled)
            throw new InvalidSettingException("CAM_API_KEY is not set (set CAM_API_KEY_DISABLED=true to run without one)");
        var broker = settings.RabbitMq ?? throw new InvalidSettingException("CAM_RABBITMQ is not set");
        builder.AddCamDefaults(PostgresOf(settings));
        builder.AddCamOpenTelemetry("cam-scheduler");
        builder.Services.AddSchedulerServices(settings);
        builder.Services.AddSingleton(sp => new ShardQueueDeclarer(broker, sp.GetRequiredService<ILogger<ShardQueueDeclarer>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShardQueueDeclarer>());
        builder.Services.AddHealthChecks().AddCheck<ShardQueueDeclarer>("shard-queue", tags: [Readiness.Tag]);
        builder.AddCamBus(CamTransport.RabbitMq(broker), bus => bus.AddSchedulerConsumers());
        builder.Services.AddOpenApi();
        return settings;
    }

    /// <summary>The endpoints: health, the jobs API, its OpenAPI document; migrations first when asked.</summary>
    public static async Task MapCamSchedulerAsync(this WebApplication app, SchedulerSettings settings)
    {
        if (settings.MigrateOnStart) await app.Services.GetRequiredService<CamMigrator>().MigrateAsync();
        app.MapJobPages();
        app.MapCamHealthChecks();
        app.MapCamMetrics();
        app.MapJobsApi();
        app.MapOpenApi();
    }

    /// <summary><c>migrate</c>: applies the migrations to CAM_POSTGRES and returns; nothing else is needed.</summary>
    public static Task MigrateAsync(IConfiguration config) => CamMigrator.MigrateAsync(PostgresOf(SchedulerSettings.From(config)));

    private static StorageSettings PostgresOf(SchedulerSettings settings) =>
        StorageSettings.Postgres(settings.Postgres ?? throw new InvalidSettingException("CAM_POSTGRES is not set"));
}
