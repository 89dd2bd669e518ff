using Cam.Datasets;
using Cam.Engine.Preprocessing;

namespace Cam.Cli.Commands.InputBench;

/// <summary>
/// Cam's side of <c>cam bench-inputs</c>: each file read into memory, decoded (<see cref="ImageDecoder"/>, reduced when
/// fast decoding) and preprocessed into a (1, 3, H, W) tensor (<see cref="Preprocessor"/>), as a worker does; N threads
/// take the files in turn. The split is timed per image; the rate per core is images over the process's CPU time
/// (user + system, all its threads: the garbage collector's and the JIT's included).
/// </summary>
internal static class CamInputBench
{
    private const int WarmUpImages = 40;

    /// <summary>
    /// Times the files; JPEGs are decoded for the crop's source window alone, as a worker decodes them, unless
    /// <paramref name="wholeImages"/> (the decode a plain <c>Image.open(f).convert("RGB")</c> does).
    /// </summary>
    public static InputTimes Run(IReadOnlyList<string> files, PreprocessSpec spec, int threads, int repeat,
        bool wholeImages, CancellationToken ct)
    {
        var preprocessor = new Preprocessor(spec);
        var reduce = spec.DecodeReduction();
        NeededWindow? window = wholeImages ? null : preprocessor.WindowToDecode;
        // Warm-up, not counted: libtorch's and Skia's first-use costs, and enough calls for .NET to compile the hot
        // methods optimised (tiered compilation), as in a worker that has run for a while.
        for (var i = 0; i < WarmUpImages; i++) One(files[i % files.Count], preprocessor, reduce, window);
        long read = 0, decode = 0, preprocess = 0;
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var (user, system) = (process.UserProcessorTime, process.PrivilegedProcessorTime);
        var (collections, pauses) = (GC.CollectionCount(0), GC.GetTotalPauseDuration());
        var clock = Stopwatch.StartNew();
        var work = Enumerable.Range(0, repeat).SelectMany(_ => files);
        Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = ct }, file =>
        {
            var (r, d, p) = One(file, preprocessor, reduce, window);
            Interlocked.Add(ref read, r);
            Interlocked.Add(ref decode, d);
            Interlocked.Add(ref preprocess, p);
        });
        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var userSeconds = (process.UserProcessorTime - user).TotalSeconds;
        var systemSeconds = (process.PrivilegedProcessorTime - system).TotalSeconds;
        var decoder = $"Cam: SkiaSharp {typeof(SkiaSharp.SKCodec).Assembly.GetName().Version} + Preprocessor" +
            (wholeImages ? ", whole images decoded" : ", JPEGs decoded for the crop's source window");
        return new InputTimes(decoder,
            (long)files.Count * repeat, threads, seconds, userSeconds + systemSeconds, Seconds(read), Seconds(decode),
            Seconds(preprocess), userSeconds, systemSeconds)
        {
            Extra = new JsonObject
            {
                ["gc_collections"] = GC.CollectionCount(0) - collections,
                ["gc_pause_seconds"] = Math.Round((GC.GetTotalPauseDuration() - pauses).TotalSeconds, 3),
            },
        };
    }

    /// <summary>Read, decode and preprocess one file; the stopwatch ticks of each stage.</summary>
    private static (long Read, long Decode, long Preprocess) One(string file, Preprocessor preprocessor,
        MinimumDecodeSize? reduce, NeededWindow? window)
    {
        var t0 = Stopwatch.GetTimestamp();
        var bytes = File.ReadAllBytes(file);
        var t1 = Stopwatch.GetTimestamp();
        var image = ImageDecoder.Decode(bytes, file, null, reduce, window);
        var t2 = Stopwatch.GetTimestamp();
        using (var input = preprocessor.Batch([image]))
            if (input.shape[1] != 3) throw new InvalidOperationException("not an RGB input");
        var t3 = Stopwatch.GetTimestamp();
        return (t1 - t0, t2 - t1, t3 - t2);
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}
