using System.Diagnostics;

namespace Cam.Jobs.Tests;

/// <summary>What a run of the cam command line printed and how it ended.</summary>
public sealed record CamCliRun(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the cam command line built beside the tests (<c>cam.dll</c>) in a process of its own.</summary>
public static class CamCli
{
    public static async Task<CamCliRun> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cam.dll"));
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var cam = Process.Start(info)!;
        var stderr = cam.StandardError.ReadToEndAsync();
        var stdout = await cam.StandardOutput.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(timeout)) await cam.WaitForExitAsync(deadline.Token);
        return new CamCliRun(cam.ExitCode, stdout, await stderr);
    }

    /// <summary>Runs it and checks that it succeeded; its standard output.</summary>
    public static async Task<string> SucceedAsync(TimeSpan timeout, params string[] arguments)
    {
        var run = await RunAsync(timeout, arguments);
        Assert.True(run.ExitCode == 0, $"cam {string.Join(' ', arguments)} exited with {run.ExitCode}: {run.Stderr}");
        return run.Stdout;
    }
}
