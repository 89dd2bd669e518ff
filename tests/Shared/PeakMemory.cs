namespace Cam.Tests.Shared;

/// <summary>
/// How far the process's resident memory rises above where it stood while an action runs: Linux's peak resident set
/// (VmHWM) is reset through /proc/self/clear_refs first. Counts native allocations (libtorch, Skia) as well as
/// managed ones; run such tests in a collection without parallelism. Linked into the test projects that need it.
/// </summary>
public static class PeakMemory
{
    public static long RiseDuring(Action action) =>
        RiseDuringAsync(() =>
        {
            action();
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();

    public static async Task<long> RiseDuringAsync(Func<Task> action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");
        var before = StatusBytes("VmRSS");
        await action();
        return StatusBytes("VmHWM") - before;
    }

    private static long StatusBytes(string field)
    {
        var line = File.ReadLines("/proc/self/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]) * 1024;
    }
}

/// <summary>Tests that measure <see cref="PeakMemory"/>: run after the parallel ones, alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PeakMemoryCollection
{
    public const string Name = "peak memory (runs alone)";
}
