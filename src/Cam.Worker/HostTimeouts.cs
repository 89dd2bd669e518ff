namespace Cam.Worker;

internal static class HostTimeouts
{
    public static TimeSpan Shutdown() =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("CAM_SHUTDOWN_TIMEOUT_SECONDS"), out var s) && s > 0 ? s : 690);

    public static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set (see docs/conventions.md)");
}
