using Cam.Storage;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cam.Hosting;

/// <summary>
/// What the scheduler, the worker and the embedded <c>cam run</c> configure alike: logging and telemetry, the database
/// with its health check, and the bus (configured here once for every host).
/// </summary>
public static class CamHostDefaults
{
    /// <summary>Telemetry, the database and its readiness check.</summary>
    public static IHostApplicationBuilder AddCamDefaults(this IHostApplicationBuilder builder, StorageSettings storage)
    {
        builder.ConfigureCamTelemetry();
        builder.Services.AddCamStorage(storage);
        builder.Services.AddHealthChecks().AddCamDatabaseCheck();
        return builder;
    }

    /// <summary>A singleton that is also a hosted service: the host starts and stops the one instance.</summary>
    public static IServiceCollection AddHostedSingleton<T>(this IServiceCollection services)
        where T : class, IHostedService
    {
        services.AddSingleton<T>();
        return services.AddHostedService(sp => sp.GetRequiredService<T>());
    }

    /// <summary>
    /// A host's logs: EF Core logs only its warnings (every statement at Information would drown the host's own log).
    /// Metrics and traces: <see cref="CamTelemetry"/>.
    /// </summary>
    public static IHostApplicationBuilder ConfigureCamTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        return builder;
    }

    /// <summary>
    /// MassTransit over <paramref name="transport"/>, with the consumers that <paramref name="consumers"/> adds (each
    /// role adds its own, with its retry policy); <paramref name="host"/> adjusts how the bus starts and stops.
    /// </summary>
    public static IHostApplicationBuilder AddCamBus(this IHostApplicationBuilder builder, CamTransport transport,
        Action<IBusRegistrationConfigurator> consumers, Action<MassTransitHostOptions>? host = null)
    {
        builder.Services.AddMassTransit(bus =>
        {
            // MassTransit would report usage to its vendor's server: nodes of a GPU pool have no reason to call out.
            bus.DisableUsageTelemetry();
            consumers(bus);
            if (transport.Broker is { } broker)
                bus.UsingRabbitMq((context, rabbit) =>
                {
                    rabbit.Host(broker);
                    rabbit.ConfigureEndpoints(context);
                });
            else
                bus.UsingInMemory((context, memory) => memory.ConfigureEndpoints(context));
        });
        if (host is not null) builder.Services.AddOptions<MassTransitHostOptions>().Configure(host);
        return builder;
    }

    /// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (the checks tagged ready pass).</summary>
    public static WebApplication MapCamHealthChecks(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            ResultStatusCodes = new Dictionary<HealthStatus, int>(Readiness.StatusCodes),
        });
        return app;
    }
}
