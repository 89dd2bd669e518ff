using Cam.Storage;
using Cam.Worker;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

var builder = WebApplication.CreateBuilder(args);
var config = builder.Configuration;
var settings = WorkerSettings.From(config);
builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
builder.WebHost.UseUrls(config["CAM_WORKER_URLS"] ?? "http://0.0.0.0:8081");
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = HostTimeouts.Shutdown(config));
builder.Services.AddCamStorage(StorageSettings.Postgres(HostTimeouts.Required(config, "CAM_POSTGRES")));
builder.Services.AddCamWorker(settings);
builder.Services.AddMassTransit(bus =>
{
    bus.AddWorkerConsumers();
    bus.UsingRabbitMq((context, rabbit) =>
    {
        rabbit.Host(new Uri(HostTimeouts.Required(config, "CAM_RABBITMQ")));
        rabbit.ConfigureEndpoints(context);
    });
});
builder.Services.AddOptions<MassTransitHostOptions>().Configure(o =>
{
    o.WaitUntilStarted = false;
    o.StopTimeout = settings.StopTimeout;
});
builder.Services.AddHealthChecks().AddCamDatabaseCheck();
var app = builder.Build();
app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new() { ResultStatusCodes = new Dictionary<HealthStatus, int>(Readiness.StatusCodes) });
app.Run();
