using TorchSharp;

namespace Cam.Cli.Commands;

/// <summary>
/// <c>cam torch-info</c>: which native libtorch this process loaded and whether CUDA works through it; one JSON object.
/// With <c>--require-cuda</c> the exit code says whether CUDA is available.
/// </summary>
internal static class TorchInfoCommand
{
    public static Command Create()
    {
        var requireCuda = new Option<bool>("--require-cuda") { Description = "exit with 1 when CUDA is not available" };
        var command = new Command("torch-info", "the loaded libtorch and CUDA availability, as JSON") { requireCuda };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var cuda = torch.cuda.is_available();
            var json = new JsonObject
            {
                ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString(),
                ["dotnet"] = Environment.Version.ToString(),
                ["dotnet_runtime_directory"] = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(),
                ["cuda_available"] = cuda,
                ["cudnn_available"] = cuda && torch.cuda.is_cudnn_available(),
                ["cuda_device_count"] = cuda ? torch.cuda.device_count() : 0,
                ["threads"] = torch.get_num_threads(),
                ["native_libraries"] = new JsonArray(LoadedTorchLibraries().Select(p => (JsonNode)p).ToArray()),
            };
            Console.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            return parse.GetValue(requireCuda) && !cuda ? CommandErrors.Failure : 0;
        }));
        return command;
    }

    /// <summary>The files of libtorch and the TorchSharp shim mapped into this process (Linux), so a run shows which it used.</summary>
    internal static IEnumerable<string> LoadedTorchLibraries()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return [];
        return File.ReadLines(maps)
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && fields[5].Trim().StartsWith('/'))
            .Select(fields => fields[5].Trim())
            .Where(path => Path.GetFileName(path) is var name && (name.StartsWith("libtorch", StringComparison.Ordinal)
                || name.StartsWith("libc10", StringComparison.Ordinal) || name.StartsWith("libLibTorchSharp", StringComparison.Ordinal)))
            .Distinct()
            .Order(StringComparer.Ordinal);
    }
}
