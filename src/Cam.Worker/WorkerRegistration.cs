using MassTransit;

namespace Cam.Worker;

public static class WorkerRegistration
{
    /// <summary>The worker's services; the host adds storage and a bus, and calls <see cref="AddWorkerConsumers"/> in its bus setup.</summary>
    public static IServiceCollection AddCamWorker(this IServiceCollection services, WorkerSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton<ModelCache>();
        services.AddSingleton<ShardProcessor>();
        services.AddSingleton<ShardRunner>();
        return services;
    }

    public static void AddWorkerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ExplainShardConsumer, ExplainShardConsumerDefinition>();
        bus.AddConsumer<ProbeModelConsumer, ProbeModelConsumerDefinition>();
    }
}
