using System.Net;
using System.Net.Sockets;

namespace Cam.Cli.Commands.PipelineBench;

/// <summary>
/// The scheduler or a worker as a child process (<c>dotnet Cam.SchedulerHost.dll</c>, <c>dotnet Cam.WorkerHost.dll</c>
/// next to <c>cam</c>, or built beside it in the same checkout), its output in a log file. Tracks its peak RSS while
/// it runs, since it is gone by the time the benchmark reports.
/// </summary>
public sealed class PipelineProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;
    private long peakRss;

    private PipelineProcess(string name, Process process, StreamWriter log, int port)
    {
        Name = name;
        this.process = process;
        this.log = log;
        Port = port;
    }

    public string Name { get; }
    public int Port { get; }
    public long PeakRssBytes => Math.Max(peakRss, Sample());

    /// <param name="project">The host's project, whose assembly has its name: Cam.SchedulerHost or Cam.WorkerHost.</param>
    public static PipelineProcess Start(string name, string project, IReadOnlyDictionary<string, string> environment, string logPath,
        string urlVariable)
    {
        var path = HostAssembly(project);
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [path])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(logPath)!,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        start.Environment[urlVariable] = $"http://127.0.0.1:{port}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PipelineProcess(name, process, log, port);
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null) return;
        lock (log) log.WriteLine(line);
    }

    /// <summary>Polls /health/ready until it answers 200; fails when the process exits or the deadline passes.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"{Name} exited with {process.ExitCode} before it was ready (see its log)");
            try
            {
                using var answer = await http.GetAsync($"http://127.0.0.1:{Port}/health/ready", ct);
                if (answer.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(250, ct);
        }
        throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds}s (see its log)");
    }

    /// <summary>Reads the peak RSS now (called while sampling progress, and before the process is stopped).</summary>
    public long Sample()
    {
        if (ResidentMemory.PeakBytes(process.Id) is { } peak) peakRss = Math.Max(peakRss, peak);
        return peakRss;
    }

    public bool HasExited => process.HasExited;

    public async ValueTask DisposeAsync()
    {
        Sample();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        lock (log) log.Dispose();
    }

    /// <summary>
    /// The host's assembly next to cam (a publish folder), or in its own build output of the same configuration in this
    /// checkout (cam in src/Cam.Cli/bin/Release/net10.0: src/Cam.SchedulerHost/bin/Release/net10.0).
    /// </summary>
    private static string HostAssembly(string project)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, project + ".dll");
        if (File.Exists(beside)) return beside;
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent;
        var sources = configuration?.Parent?.Parent?.Parent;
        if (sources is not null)
        {
            var built = Path.Combine(sources.FullName, project, "bin", configuration!.Name, framework.Name, project + ".dll");
            if (File.Exists(built)) return built;
        }
        throw new FileNotFoundException($"{project}.dll is neither next to cam ({AppContext.BaseDirectory}) nor built in this checkout: " +
            $"build Cam.sln (or src/{project}) in cam's configuration");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
