using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cam.Hosting;

/// <summary>
/// OpenTelemetry for every Cam host: the .NET runtime's and ASP.NET Core's instruments, MassTransit's own meter and
/// activity source (so that a shard's trace runs from its publication through the worker to its completion report),
/// the Prometheus exporter behind <c>/metrics</c>, and OTLP when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// Each role adds its own meter and activity source (<see cref="AddCamInstruments"/>) in its registration.
/// </summary>
public static class CamTelemetry
{
    /// <summary>MassTransit 8's meter and activity source.</summary>
    public const string MassTransitSource = "MassTransit";

    /// <summary>The scrape endpoint: job ids and method names only, never a dataset string; served without the API key.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The standard variable the OTLP exporter reads; when unset, nothing is pushed.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Metrics and traces of the host, as <paramref name="service"/> (the resource's <c>service.name</c>).</summary>
    public static IHostApplicationBuilder AddCamOpenTelemetry(this IHostApplicationBuilder builder, string service)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(service))
            .WithMetrics(metrics => metrics
                .AddRuntimeInstrumentation()
                .AddAspNetCoreInstrumentation()
                .AddMeter(MassTransitSource)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsScrapeOrProbe(context.Request.Path))
                .AddSource(MassTransitSource));
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointVariable])) telemetry.UseOtlpExporter();
        return builder;
    }

    /// <summary>A role's own activity source and meters, added to the host's providers.</summary>
    public static IServiceCollection AddCamInstruments(this IServiceCollection services, string activitySource, params string[] meters)
    {
        services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(meters))
            .WithTracing(tracing => tracing.AddSource(activitySource));
        return services;
    }

    /// <summary><c>/metrics</c> in Prometheus' text format.</summary>
    public static WebApplication MapCamMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    private static bool IsScrapeOrProbe(PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/health");

    /// <summary>The attribute every role's instruments name a job by (its id).</summary>
    public const string JobAttribute = "cam.job";

    public static KeyValuePair<string, object?> Job(Guid id) => new(JobAttribute, id.ToString());

    /// <summary>The attribute of an instrument counted or timed by how something ended.</summary>
    public const string OutcomeAttribute = "cam.outcome";

    public static KeyValuePair<string, object?> Outcome(string outcome) => new(OutcomeAttribute, outcome);
}
