using Cam.Hosting;
using Cam.Contracts;
using Cam.Storage;

namespace Cam.Worker;

/// <summary>A worker of a deployment (<c>Cam.WorkerHost</c>): PostgreSQL, RabbitMQ, health endpoints only.</summary>
public static class WorkerHosting
{
    /// <summary>
    /// Everything a worker runs on, from its settings (<see cref="WorkerSettings.From"/>: a missing or malformed one
    /// stops it here, named): storage, the worker's services, the bus, health checks, how long stopping may take.
    /// </summary>
    public static WorkerSettings AddCamWorker(this IHostApplicationBuilder builder)
    {
        var settings = WorkerSettings.From(builder.Configuration);
        var postgres = settings.Postgres ?? throw new InvalidSettingException("CAM_POSTGRES is not set (see docs/conventions.md)");
        var broker = settings.RabbitMq ?? throw new InvalidSettingException("CAM_RABBITMQ is not set (see docs/conventions.md)");
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        builder.AddCamDefaults(StorageSettings.Postgres(postgres));
        builder.AddCamOpenTelemetry("cam-worker");
        builder.Services.AddWorkerServices(settings);
        builder.AddCamBus(CamTransport.RabbitMq(broker), bus => bus.AddWorkerConsumers(), host =>
        {
            // Ready (and alive) while the broker is still away: the bus keeps trying in the background.
            host.WaitUntilStarted = false;
            host.StopTimeout = settings.StopTimeout;
        });
        return settings;
    }
}
