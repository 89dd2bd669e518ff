using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cam.Storage;

/// <summary>What <c>/health/ready</c> checks besides the bus (MassTransit registers its own check, tagged "ready").</summary>
public static class Readiness
{
    public const string Tag = "ready";

    /// <summary>How long the database check may take: beyond it the database counts as down (its retrying strategy would wait far longer).</summary>
    public static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The database answers: a connection can be opened within <see cref="DatabaseTimeout"/>.</summary>
    public static IHealthChecksBuilder AddCamDatabaseCheck(this IHealthChecksBuilder checks)
    {
        checks.AddDbContextCheck<CamDbContext>("database", HealthStatus.Unhealthy, [Tag]);
        checks.Services.Configure<HealthCheckServiceOptions>(o =>
        {
            foreach (var registration in o.Registrations.Where(r => r.Name == "database")) registration.Timeout = DatabaseTimeout;
        });
        return checks;
    }

    /// <summary>Every check must be healthy to be ready: a degraded one (the bus still connecting) answers 503 too.</summary>
    public static IReadOnlyDictionary<HealthStatus, int> StatusCodes { get; } = new Dictionary<HealthStatus, int>
    {
        [HealthStatus.Healthy] = 200, [HealthStatus.Degraded] = 503, [HealthStatus.Unhealthy] = 503,
    };
}
