using System.Reflection;

namespace Cam.Testcontainers;

/// <summary>
/// The images a <see cref="CamBuilder"/> starts unless told otherwise: <c>CAM_SCHEDULER_IMAGE</c> and
/// <c>CAM_WORKER_IMAGE</c> when set (what build/images/build.sh prints), else <c>cam-scheduler:VERSION</c> and
/// <c>cam-worker:VERSION</c> with this package's version, the tags build.sh and the Kubernetes overlays use.
/// </summary>
public static class CamImages
{
    /// <summary>This package's version (Directory.Build.props), the tag of the images it belongs with.</summary>
    public static string Version { get; } =
        (typeof(CamImages).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
         ?? "0.0.0").Split('+')[0];

    /// <summary>
    /// The variables that name the images, as build/images/build.sh prints them: a test harness's choice, not a
    /// setting of Cam's processes (those are the settings records' and docs/conventions.md's).
    /// </summary>
    public const string SchedulerVariable = "CAM_SCHEDULER_IMAGE", WorkerVariable = "CAM_WORKER_IMAGE";

    public static string Scheduler => Environment.GetEnvironmentVariable(SchedulerVariable) is { Length: > 0 } image
        ? image : $"cam-scheduler:{Version}";

    public static string Worker => Environment.GetEnvironmentVariable(WorkerVariable) is { Length: > 0 } image
        ? image : $"cam-worker:{Version}";

    public const string Postgres = "postgres:15";
    public const string RabbitMq = "rabbitmq:3.13";

    /// <summary>The user the images and the Kubernetes manifests run as.</summary>
    public const string User = "10001:10001";
}
