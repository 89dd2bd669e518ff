namespace Cam.Worker;

internal static class HostTimeouts
{
    public static TimeSpan Shutdown(IConfiguration config) =>
        TimeSpan.FromSeconds(int.TryParse(config["CAM_SHUTDOWN_TIMEOUT_SECONDS"], out var s) && s > 0 ? s : 690);

    public static string Required(IConfiguration config, string name) =>
        config[name] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set (see docs/conventions.md)");
}
