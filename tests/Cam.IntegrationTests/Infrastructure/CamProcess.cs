using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Cam.IntegrationTests.Infrastructure;

/// <summary>
/// A scheduler or worker started as a child process, exactly as it runs in production (<c>dotnet Cam.WorkerHost.dll</c>
/// configured by environment), so that a test can kill it. Its output is kept for the test's log.
/// </summary>
public sealed partial class CamProcess : IDisposable
{
    private const int SigTerm = 15;
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();

    private CamProcess(string name, Process process, int port)
    {
        Name = name;
        this.process = process;
        Port = port;
    }

    public string Name { get; }
    /// <summary>The port its HTTP endpoints (health, API) listen on.</summary>
    public int Port { get; }
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;

    public static CamProcess Start(string name, string project, IReadOnlyDictionary<string, string> environment, int port)
    {
        var program = TestEnvironment.ProgramPath(project);
        if (!File.Exists(program)) throw new FileNotFoundException($"{program} is not built (build Cam.sln in " +
            $"{TestEnvironment.Configuration} first)");
        var info = new ProcessStartInfo(TestEnvironment.Dotnet)
        {
            ArgumentList = { program },
            WorkingDirectory = Path.GetDirectoryName(program)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var started = new CamProcess(name, process, port);
        process.OutputDataReceived += (_, e) => started.Append(e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        output.Enqueue(line);
        while (output.Count > 400) output.TryDequeue(out _);
    }

    public IReadOnlyList<string> Output => output.ToArray();

    /// <summary>SIGKILL: the process dies at once, holding whatever it was doing.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>SIGTERM, as Kubernetes sends it; waits for the process to exit.</summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        if (process.HasExited) return true;
        if (SendSignal(process.Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    public void Dispose()
    {
        Kill();
        process.Dispose();
    }
}
