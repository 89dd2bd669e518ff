namespace Cam.Jobs.Tests;

/// <summary><c>cam report --threads N</c> bounds libtorch's threads (the strategies' eigensolver spins on a busy machine).</summary>
public class ReportCommandThreadsTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    public async Task A_thread_count_below_one_is_a_usage_error_naming_the_option_before_the_job_is_read(string threads)
    {
        var missing = Path.Combine(Path.GetTempPath(), $"cam-missing-{Guid.NewGuid():N}.db");
        var report = await CamCli.RunAsync(TimeSpan.FromMinutes(1), "report", Guid.NewGuid().ToString(), "--db", missing,
            "--threads", threads);

        Assert.Equal(2, report.ExitCode);
        Assert.Contains("--threads must be at least 1", report.Stderr);
        Assert.False(File.Exists(missing), "the job's database was opened although the arguments were wrong");
    }
}
