using Cam.Engine;
using Cam.Hosting;
using Cam.Worker.Telemetry;
using MassTransit;

namespace Cam.Worker;

public static class WorkerRegistration
{
    /// <summary>
    /// The worker's services; a host (<see cref="WorkerHosting"/>, the embedded run) adds storage and a bus, and calls
    /// <see cref="AddWorkerConsumers"/> in its bus setup.
    /// </summary>
    public static IServiceCollection AddWorkerServices(this IServiceCollection services, WorkerSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton<ModelCache>();
        services.AddSingleton<InputWaits>();
        services.AddSingleton<ShardProcessor>();
        services.AddSingleton<ShardRunner>();
        services.AddHostedService<DeviceMemoryGauges>();
        services.AddCamInstruments(WorkerTelemetry.Name, WorkerTelemetry.Name, EngineTelemetry.Name);
        return services;
    }

    /// <summary>The worker's consumers, each with its endpoint and retry policy in its definition.</summary>
    public static void AddWorkerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ExplainShardConsumer, ExplainShardConsumerDefinition>();
        bus.AddConsumer<ProbeModelConsumer, ProbeModelConsumerDefinition>();
        bus.AddConsumer<RenderReportConsumer, RenderReportConsumerDefinition>();
    }
}
