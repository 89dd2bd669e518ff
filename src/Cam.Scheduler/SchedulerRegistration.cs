using Cam.Contracts;
using Cam.Scheduler.Jobs;
using Cam.Scheduler.Planning;
using Cam.Scheduler.Pages;
using Cam.Scheduler.Telemetry;
using Cam.Hosting;
using Cam.Scheduler.Validation;
using MassTransit;

namespace Cam.Scheduler;

public static class SchedulerRegistration
{
    /// <summary>
    /// The scheduler's services; a host (<see cref="SchedulerHosting"/>, the embedded run) adds storage and a bus, and
    /// calls <see cref="AddSchedulerConsumers"/> in its bus setup.
    /// </summary>
    public static IServiceCollection AddSchedulerServices(this IServiceCollection services, SchedulerSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton<ModelPackageInspector>();
        services.AddSingleton<JobSpecValidator>();
        services.AddSingleton<DatasetLocator>();
        services.AddSingleton<JobEnumerator>();
        services.AddSingleton<ModelProber>();
        services.AddSingleton<JobService>();
        services.AddHostedSingleton<ShardDispatcher>();
        services.AddHostedService<EnumerationResumer>();
        services.AddHostedSingleton<JobRetention>();
        services.AddJobPages();
        services.AddHostedSingleton<SchedulerGauges>();
        services.AddCamInstruments(SchedulerTelemetry.Name, SchedulerTelemetry.Name);
        return services;
    }

    /// <summary>
    /// The consumers of shard outcomes, retried in memory (the database away for a moment) before a message goes to
    /// the error queue: alike in a deployment and in the embedded run.
    /// </summary>
    public static void AddSchedulerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ShardCompletedConsumer>((_, consumer) => consumer.UseMessageRetry(OutcomeRetry))
            .Endpoint(e => e.Name = QueueNames.ShardOutcomes);
        bus.AddConsumer<ShardFailedConsumer>((_, consumer) => consumer.UseMessageRetry(OutcomeRetry))
            .Endpoint(e => e.Name = QueueNames.ShardOutcomes);
    }

    private static void OutcomeRetry(IRetryConfigurator retry) =>
        retry.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15));
}
