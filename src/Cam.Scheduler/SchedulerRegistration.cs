using Cam.Scheduler.Jobs;
using Cam.Scheduler.Planning;
using Cam.Scheduler.Validation;
using MassTransit;

namespace Cam.Scheduler;

public static class SchedulerRegistration
{
    /// <summary>The scheduler's services; the host adds storage and a bus, and calls <see cref="AddSchedulerConsumers"/> in its bus setup.</summary>
    public static IServiceCollection AddCamScheduler(this IServiceCollection services, SchedulerSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton<ModelPackageInspector>();
        services.AddSingleton<JobSpecValidator>();
        services.AddSingleton<DatasetLocator>();
        services.AddSingleton<JobEnumerator>();
        services.AddSingleton<ModelProber>();
        services.AddSingleton<JobService>();
        services.AddSingleton<ShardDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ShardDispatcher>());
        services.AddHostedService<EnumerationResumer>();
        services.AddSingleton<JobRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<JobRetention>());
        return services;
    }

    public static void AddSchedulerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ShardCompletedConsumer>().Endpoint(e => e.Name = Cam.Contracts.QueueNames.ShardOutcomes);
        bus.AddConsumer<ShardFailedConsumer>().Endpoint(e => e.Name = Cam.Contracts.QueueNames.ShardOutcomes);
    }
}
