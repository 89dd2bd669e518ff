using Cam.Audit;
using Spectre.Console;

namespace Cam.Cli.Commands;

/// <summary>Progress of long work: bars on a terminal, a plain line every few seconds (and at each stage's end) otherwise.</summary>
internal static class ProgressDisplay
{
    public static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static async Task<T> RunAsync<T>(bool quiet, Func<IProgress<AuditProgress>, Task<T>> work)
    {
        if (quiet) return await work(new Progress<AuditProgress>(_ => { }));
        if (!Interactive)
        {
            var last = DateTime.MinValue;
            var lastStage = "";
            return await work(new SynchronousProgress(p =>
            {
                var stageEnded = p.Done >= p.Total;
                if (!stageEnded && p.Stage == lastStage && DateTime.UtcNow - last < TimeSpan.FromSeconds(2)) return;
                (last, lastStage) = (DateTime.UtcNow, p.Stage);
                Console.Error.WriteLine($"{p.Stage}: {p.Done}/{p.Total}");
            }));
        }
        T result = default!;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                result = await work(new SynchronousProgress(p =>
                {
                    if (!tasks.TryGetValue(p.Stage, out var task)) tasks[p.Stage] = task = context.AddTask(p.Stage, maxValue: Math.Max(1, p.Total));
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = Math.Min(p.Done, task.MaxValue);
                }));
                foreach (var task in tasks.Values) task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress(Action<AuditProgress> report) : IProgress<AuditProgress>
    {
        public void Report(AuditProgress value) => report(value);
    }
}
