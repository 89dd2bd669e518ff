using Cam.Datasets;

namespace Cam.Cli.Commands.InputBench;

/// <summary>
/// The anchor side of <c>cam bench-inputs --compare-pil</c>: PIL's <c>Image.open(..).convert("RGB")</c> and
/// torchvision's eval transform on the same files, by <c>pil_bench.py</c> (embedded in cam, written to a temporary
/// file) under the given Python (Debian's python3-pil and python3-torchvision).
/// </summary>
internal static class PilInputBench
{
    public static async Task<InputTimes> RunAsync(string python, IReadOnlyList<string> files, PreprocessSpec spec, int threads, int repeat,
        bool draft, CancellationToken ct)
    {
        var script = Path.Combine(Path.GetTempPath(), $"cam-pil-bench-{Environment.ProcessId}.py");
        await using (var resource = typeof(PilInputBench).Assembly.GetManifestResourceStream("pil_bench.py")!)
        await using (var file = File.Create(script))
            await resource.CopyToAsync(file, ct);
        try
        {
            var request = new JsonObject
            {
                ["files"] = new JsonArray([.. files.Select(f => JsonValue.Create(f))]),
                ["threads"] = threads,
                ["repeat"] = repeat,
                ["resize"] = spec.FixedSize is var (h, w) ? new JsonArray(h, w) : spec.ShorterSide is { } n ? new JsonArray(n) : null,
                ["max_size"] = spec.MaxSize,
                ["crop"] = spec.Crop is var (ch, cw) ? new JsonArray(ch, cw) : null,
                ["interpolation"] = spec.Filter,
                ["mean"] = new JsonArray([.. spec.MeanValues.Select(v => JsonValue.Create((double)v))]),
                ["std"] = new JsonArray([.. spec.StdValues.Select(v => JsonValue.Create((double)v))]),
                ["draft"] = draft,
            };
            var info = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(script);
            using var process = Start(info, python);
            await process.StandardInput.WriteAsync(request.ToJsonString());
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync(ct);
            var stdout = await process.StandardOutput.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"the PIL bench ({python} {script}) exited with {process.ExitCode}: {(await stderr).Trim()}");
            return InputTimes.FromJson(JsonNode.Parse(stdout.Trim().Split('\n')[^1])!);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"the PIL bench printed no JSON: {e.Message}");
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static Process Start(ProcessStartInfo info, string python)
    {
        try
        {
            return Process.Start(info) ?? throw new InvalidOperationException($"'{python}' could not be started");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{python}' could not be started ({e.Message}); --python names a Python with PIL and torchvision");
        }
    }
}
