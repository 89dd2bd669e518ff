using Cam.Contracts;

namespace Cam.Worker;

internal static class HostTimeouts
{
    public static TimeSpan Shutdown(IConfiguration config) => new SettingValues(name => config[name]).Seconds("CAM_SHUTDOWN_TIMEOUT_SECONDS", 690);

    public static string Required(IConfiguration config, string name) => new SettingValues(n => config[n]).Required(name);
}
