using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Cam.Jobs.Tests;

/// <summary><c>cam run</c> as a user runs it, in its own process, stopped by a signal.</summary>
public class RunCommandSignalTests
{
    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Cam_run_stopped_by_a_signal_cancels_its_job_leaves_the_database_consistent_and_exits_non_zero_within_10_seconds(string signal)
    {
        using var workspace = new DemoWorkspace(images: 40, withBadItems: false);
        var folder = Path.Combine(workspace.Root, "out");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var run = Start(output, "run", "--dataset", Path.Combine(workspace.DataRoot, "shapes", "manifest.csv"),
            "--model", Path.Combine(workspace.ModelRoot, "shapes-model"), "--methods", "scorecam,sscam", "--shard-size", "2",
            "--out", folder, "--json", "--no-report");
        try
        {
            var database = await WaitForResultsAsync(run, folder, TimeSpan.FromMinutes(3));
            output.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} test: SIG{signal}");
            Signal(run, signal);
            using (var exited = new CancellationTokenSource(ExitWithin))
            {
                try
                {
                    await run.WaitForExitAsync(exited.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"cam run did not exit within {ExitWithin.TotalSeconds} s of SIG{signal}; its last output:\n" +
                        $"{string.Join('\n', output.TakeLast(80))}");
                }
            }
            Assert.NotEqual(0, run.ExitCode);

            await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
            await connection.OpenAsync();
            Assert.Equal("ok", await ScalarAsync<string>(connection, "PRAGMA integrity_check"));
            Assert.Equal("cancelled", await ScalarAsync<string>(connection, "SELECT state FROM jobs"));
            Assert.Equal(0L, await ScalarAsync<long>(connection, "SELECT count(*) FROM shards WHERE state NOT IN ('completed', 'failed', 'closed')"));
        }
        finally
        {
            if (!run.HasExited) run.Kill(entireProcessTree: true);
        }
    }

    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts cam as a terminal starts a foreground command: with SIGINT's default action. A test run launched in the
    /// background of a shell script inherits SIGINT ignored, and a program keeps an ignored SIGINT ignored (as .NET
    /// does), so Ctrl-C could not reach it; <c>env --default-signal=INT</c> restores the default first. The host's
    /// log is on (<c>CAM_LOG=1</c>, without EF Core's statements) and every line of output is kept with its time.
    /// </summary>
    private static Process Start(System.Collections.Concurrent.ConcurrentQueue<string> output, params string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cam.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["CAM_LOG"] = "1";
        info.Environment["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The run's database once it holds a result, polled until <paramref name="timeout"/>.</summary>
    private static async Task<string> WaitForResultsAsync(Process run, string output, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(run.HasExited, $"cam run exited early with {(run.HasExited ? run.ExitCode : 0)}");
            var database = Directory.Exists(output) ? Directory.EnumerateFiles(output, "*.db").FirstOrDefault() : null;
            if (database is not null)
            {
                try
                {
                    await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
                    await connection.OpenAsync();
                    if (await ScalarAsync<long>(connection, "SELECT count(*) FROM results") > 0) return database;
                }
                catch (SqliteException)
                {
                    // The schema is being created.
                }
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"cam run stored no result within {timeout.TotalSeconds:F0} s");
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString()]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task<T> ScalarAsync<T>(SqliteConnection connection, string sql)
    {
        await using var command = new SqliteCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T));
    }
}
