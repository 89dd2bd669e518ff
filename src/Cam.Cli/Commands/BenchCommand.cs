using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cam.Engine;
using Cam.Engine.Methods;
using Cam.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Cli.Commands;

/// <summary>
/// <c>cam bench</c>: times one explanation of a random batch with random weights and prints one JSON object.
/// The ceiling is the model's raw forward throughput at the chunk size used; efficiency is the time those
/// forwards alone would take over the time the explanation took.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var method = new Option<string>("--method") { DefaultValueFactory = _ => "scorecam", Description = "cam, scorecam, sscam or iscam" };
        var arch = new Option<string>("--arch") { DefaultValueFactory = _ => "resnet18" };
        var numClasses = new Option<int>("--num-classes") { DefaultValueFactory = _ => 1000 };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 224, Description = "input height and width" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 4, Description = "images per batch" };
        var classes = new Option<int>("--classes") { DefaultValueFactory = _ => 1, Description = "top-k classes per image" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp" };
        var layers = new Option<string?>("--layers");
        var chunk = new Option<int?>("--chunk-size") { Description = "fix the masked forwards' chunk size" };
        var memoryBudget = new Option<int?>("--memory-budget-mb");
        var numSamples = new Option<int?>("--num-samples");
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };

        var command = new Command("bench", "time an explanation of random images with random weights; prints JSON")
        {
            method, arch, numClasses, size, batch, classes, threads, layers, chunk, memoryBudget, numSamples, seed,
        };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            TorchSetup.Apply(parse.GetValue(threads));
            torch.manual_seed(parse.GetValue(seed));
            var n = parse.GetValue(batch);
            var s = parse.GetValue(size);
            var k = parse.GetValue(classes);
            using var model = new ModuleClassifier(Architectures.Create(parse.GetValue(arch)!, parse.GetValue(numClasses)), parse.GetValue(arch)!);
            var camMethod = CamMethods.Create(parse.GetValue(method)!, new MethodOptions { NumSamples = parse.GetValue(numSamples) });
            var explainer = new CamExplainer(model, camMethod,
                parse.GetValue(layers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                new ExplainerOptions { ChunkSize = parse.GetValue(chunk), Budget = TorchSetup.Budget(parse.GetValue(memoryBudget)) });
            using var input = torch.randn(n, 3, s, s);

            var clock = Stopwatch.StartNew();
            using var result = explainer.Explain(input, ClassSelection.Top(k));
            var seconds = clock.Elapsed.TotalSeconds;

            var chunkSize = result.Stats.ChunkSize;
            var ceiling = ForwardThroughput(model, chunkSize, s);
            var ideal = (result.Stats.MaskedForwards + 1) / ceiling;
            var json = new JsonObject
            {
                ["method"] = camMethod.Name,
                ["arch"] = model.Name,
                ["size"] = s,
                ["batch"] = n,
                ["classes"] = k,
                ["threads"] = torch.get_num_threads(),
                ["layers"] = string.Join(",", result.Layers),
                ["seconds"] = Math.Round(seconds, 3),
                ["seconds_per_image"] = Math.Round(seconds / n, 3),
                ["masked_forwards"] = result.Stats.MaskedForwards,
                ["forwards_saved"] = result.Stats.ForwardsSaved,
                ["chunk_size"] = chunkSize,
                ["forward_images_per_s"] = Math.Round(ceiling, 2),
                ["efficiency"] = Math.Round(ideal / seconds, 3),
                ["peak_rss_mb"] = PeakRssMegabytes(),
            };
            Console.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            return 0;
        }));
        return command;
    }

    /// <summary>Images per second of plain forwards at the given chunk size (after one warm-up chunk).</summary>
    private static double ForwardThroughput(IClassifier model, int chunkSize, int size)
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(chunkSize, 3, size, size);
        model.Logits(x).Dispose();
        var images = 0;
        var clock = Stopwatch.StartNew();
        while (images < 3 * chunkSize || clock.Elapsed.TotalSeconds < 2)
        {
            model.Logits(x).Dispose();
            images += chunkSize;
        }
        return images / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Peak resident set size of this process (VmHWM), in MiB.</summary>
    internal static double PeakRssMegabytes()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return double.NaN;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0, 1);
    }
}
