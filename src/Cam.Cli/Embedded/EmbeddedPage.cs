using Cam.Hosting;
using Cam.Scheduler.Api;
using Cam.Scheduler.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Cam.Cli.Embedded;

/// <summary>
/// <c>cam run --serve PORT</c>: the embedded run hosted as a web application, serving the scheduler's live page and
/// <c>/metrics</c> on the loopback interface while the job runs (no key: only this machine reaches it).
/// </summary>
public static class EmbeddedPage
{
    public static WebApplicationBuilder CreateBuilder(int port)
    {
        if (port is < 1 or > 65535) throw new ArgumentException($"--serve {port}: a port is a whole number from 1 to 65535");
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddCamOpenTelemetry("cam-run");
        return builder;
    }

    public static WebApplication Map(WebApplication app)
    {
        app.MapJobPages();
        app.MapJobsApi();
        app.MapCamMetrics();
        app.MapCamHealthChecks();
        return app;
    }
}
