using System.Diagnostics;

namespace Cam.Jobs.Tests;

/// <summary><c>cam report --threads N</c> bounds libtorch's threads (the strategies' eigensolver spins on a busy machine).</summary>
public class ReportCommandThreadsTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    public async Task A_thread_count_below_one_is_a_usage_error_naming_the_option_before_the_job_is_read(string threads)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var missing = Path.Combine(Path.GetTempPath(), $"cam-missing-{Guid.NewGuid():N}.db");
        foreach (var a in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "cam.dll"), "report", Guid.NewGuid().ToString(), "--db", missing,
                     "--threads", threads,
                 })
            info.ArgumentList.Add(a);
        using var report = Process.Start(info)!;
        var stdout = report.StandardOutput.ReadToEndAsync();
        var stderr = await report.StandardError.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1))) await report.WaitForExitAsync(deadline.Token);
        await stdout;

        Assert.Equal(2, report.ExitCode);
        Assert.Contains("--threads must be at least 1", stderr);
        Assert.False(File.Exists(missing), "the job's database was opened although the arguments were wrong");
    }
}
