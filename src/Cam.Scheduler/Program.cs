using Cam.Scheduler;
using Cam.Scheduler.Api;
using Cam.Storage;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

var builder = WebApplication.CreateBuilder(args);
var config = builder.Configuration;
var settings = SchedulerSettings.From(config);
builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
var postgres = config["CAM_POSTGRES"] is { Length: > 0 } pg ? pg : throw new InvalidOperationException("CAM_POSTGRES is not set");
if (args.FirstOrDefault() == "migrate")
{
    await CamMigrator.MigrateAsync(StorageSettings.Postgres(postgres));
    Console.WriteLine("database migrated");
    return;
}
builder.Services.AddCamStorage(StorageSettings.Postgres(postgres));
if (settings.ApiKey is null && config["CAM_API_KEY_DISABLED"] != "true")
    throw new InvalidOperationException("CAM_API_KEY is not set (set CAM_API_KEY_DISABLED=true to run without one)");

builder.WebHost.UseUrls(config["CAM_SCHEDULER_URLS"] ?? "http://0.0.0.0:8080");
var broker = new Uri(config["CAM_RABBITMQ"] ?? throw new InvalidOperationException("CAM_RABBITMQ is not set"));
builder.Services.AddCamScheduler(settings);
builder.Services.AddSingleton(sp => new ShardQueueDeclarer(broker, sp.GetRequiredService<ILogger<ShardQueueDeclarer>>()));
builder.Services.AddHostedService(sp => sp.GetRequiredService<ShardQueueDeclarer>());
builder.Services.AddMassTransit(bus =>
{
    bus.AddSchedulerConsumers();
    bus.UsingRabbitMq((context, rabbit) =>
    {
        rabbit.Host(broker);
        rabbit.UseMessageRetry(r => r.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)));
        rabbit.ConfigureEndpoints(context);
    });
});
builder.Services.AddOpenApi();
builder.Services.AddHealthChecks().AddCamDatabaseCheck().AddCheck<ShardQueueDeclarer>("shard-queue", tags: [Readiness.Tag]);
var app = builder.Build();
if (config["CAM_MIGRATE_ON_START"] == "true")
    await app.Services.GetRequiredService<CamMigrator>().MigrateAsync();
app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new() { ResultStatusCodes = new Dictionary<HealthStatus, int>(Readiness.StatusCodes) });
app.MapJobsApi();
app.MapOpenApi();
app.Run();
