using Cam.Contracts;
using Cam.Engine;
using Cam.Engine.Chunking;
using Cam.Engine.Methods;
using Cam.Engine.Models;
using Cam.Engine.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Cli.Commands;

/// <summary>
/// <c>cam bench</c>: times the explanation of a random batch with random weights and prints one JSON object. The
/// ceiling is what the method's work alone costs on the same model, device and batch: the masked forwards (at the
/// worker's precision and chunk size) for the Score-CAM family; the forward kept with its graph plus one backward per
/// class for the gradient methods (at the worker's precision, as they run), to the input for FullGrad; the explained
/// forward of the batch for the methods that need nothing more (CAM, Eigen-CAM, KPCA-CAM, FEM, Random-CAM).
/// Efficiency is the ceiling's time over the explanation's. Ablation-CAM reports its ablated forwards instead.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var method = new Option<string>("--method")
        {
            DefaultValueFactory = _ => Cam.Contracts.MethodNames.ScoreCam,
            Description = MethodArguments.MethodsHelp
        };
        var convention = MethodArguments.Convention();
        var arch = new Option<string>("--arch") { DefaultValueFactory = _ => "resnet18" };
        var numClasses = new Option<int>("--num-classes") { DefaultValueFactory = _ => 1000 };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 224, Description = "input height and width" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 4, Description = "images per batch" };
        var classes = new Option<int>("--classes") { DefaultValueFactory = _ => 1, Description = "top-k classes per image" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp" };
        var layers = new Option<string?>("--layers");
        var chunk = new Option<int?>("--chunk-size") { Description = "fix the masked forwards' chunk size" };
        var memoryBudget = new Option<int?>("--memory-budget-mb")
        {
            Description = "CPU memory for the masked forwards (on CUDA: a share of the free memory)"
        };
        var numSamples = new Option<int?>("--num-samples");
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "cpu", Description = "cpu or cuda[:n]" };
        var (dtype, channelsLast) = MethodArguments.Precision();
        var warmup = new Option<int>("--warmup")
        {
            DefaultValueFactory = _ => 1,
            Description = "untimed explanations first (layer search, allocator and kernel warm-up)"
        };
        var verifyChunking = new Option<bool>("--verify-chunking")
        {
            Description = "also explain with the planned chunk size and report the largest map difference (with --chunk-size far above what fits: " +
                "the out-of-memory back-off)",
        };

        var ablationForwards = new Option<bool>("--ablation-forwards")
        {
            Description = "ablationcam: forward the ablated copies even where the closed form applies (a pooled linear head after the layer)",
        };

        var command = new Command("bench", "time an explanation of random images with random weights; prints JSON")
        {
            method, convention, arch, numClasses, size, batch, classes, threads, layers, chunk, memoryBudget, numSamples, seed, device, dtype,
                channelsLast, warmup, verifyChunking,
            ablationForwards,
        };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            TorchSetup.Apply(parse.GetValue(threads));
            var target = TorchSetup.ParseDevice(parse.GetValue(device)!);
            var precision = ForwardPrecision.Parse(parse.GetValue(dtype), parse.GetValue(channelsLast));
            torch.manual_seed(parse.GetValue(seed));
            var (n, s, k) = (parse.GetValue(batch), parse.GetValue(size), parse.GetValue(classes));
            var architecture = parse.GetValue(arch)!;
            var classCount = parse.GetValue(numClasses);
            using var model = new ModuleClassifier(Architectures.Create(architecture, classCount), architecture, target,
                () => Architectures.Create(architecture, classCount));
            var camMethod = parse.GetValue(ablationForwards) && parse.GetValue(method) == MethodNames.AblationCam
                ? new AblationCam(closedForm: false)
                : CamMethods.Create(parse.GetValue(method)!, new MethodOptions
                {
                    NumSamples = parse.GetValue(numSamples), Convention = MethodConventions.Parse(parse.GetValue(convention)),
                });
            var targetLayers = parse.GetValue(layers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var budget = TorchSetup.Budget(parse.GetValue(memoryBudget));
            var explainer = new CamExplainer(model, camMethod, targetLayers,
                new ExplainerOptions { ChunkSize = parse.GetValue(chunk), Budget = budget, Precision = precision });
            using var input = torch.randn(n, 3, s, s, device: target);

            for (var i = 0; i < parse.GetValue(warmup); i++)
                explainer.Explain(input, ClassSelection.Top(k)).Dispose();
            BenchCeilings.Synchronize(target);
            var clock = Stopwatch.StartNew();
            using var result = explainer.Explain(input, ClassSelection.Top(k));
            BenchCeilings.Synchronize(target);
            var seconds = clock.Elapsed.TotalSeconds;

            var json = new JsonObject
            {
                ["method"] = camMethod.Name,
                ["arch"] = model.Name,
                ["size"] = s,
                ["batch"] = n,
                ["classes"] = k,
                ["device"] = target.ToString(),
                ["device_name"] = target.type == DeviceType.CUDA ? CudaRuntime.DeviceName(Math.Max(target.index,
                    0)) : $"cpu ({Environment.ProcessorCount} cores)",
                ["dtype"] = precision.Name,
                ["channels_last"] = precision.ChannelsLast,
                ["threads"] = torch.get_num_threads(),
                ["layers"] = string.Join(",", result.Layers),
                ["seconds"] = Math.Round(seconds, 3),
                ["seconds_per_image"] = Math.Round(seconds / n, 4),
                ["images_per_second"] = Math.Round(n / seconds, 2),
            };
            AddCeiling(json, model, camMethod, precision, result, input, seconds, k, s);
            if (parse.GetValue(verifyChunking)) AddChunkingCheck(json, model, camMethod, targetLayers, budget, precision, input, k, result);
            json["peak_rss_mb"] = PeakRssMegabytes();
            if (target.type == DeviceType.CUDA && CudaRuntime.Memory(Math.Max(target.index, 0)) is var (free, total))
                json["peak_device_mb"] = Math.Round((total - free) / 1048576.0, 1);
            Console.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            return 0;
        }));
        return command;
    }

    private static void AddCeiling(JsonObject json, IClassifier model, CamMethod method, ForwardPrecision precision, Explanation result, Tensor input,
        double seconds, int classes, int size)
    {
        // The methods that differentiate run their forward and backward on the copy at the worker's precision.
        var explained = method.Differentiates ? model.AtPrecision(precision) : model;
        if (method is FullGrad)
        {
            var ideal = BenchCeilings.InputGradientSeconds(explained, input, classes);
            json["forward_backward_seconds"] = Math.Round(ideal, 4);
            json["ceiling_images_per_s"] = Math.Round(input.shape[0] / ideal, 2);
            json["efficiency"] = Math.Round(ideal / seconds, 3);
            return;
        }
        if (method.UsesScoreGradients || method is SmoothGradCamPlusPlus)
        {
            // Smooth Grad-CAM++ does its own noisy forward with graph and backward per class, once per sample.
            var samples = method is SmoothGradCamPlusPlus smooth ? smooth.NumSamples : 1;
            var ideal = samples * BenchCeilings.ForwardBackwardSeconds(explained, input, result.Layers, classes);
            json["forward_backward_seconds"] = Math.Round(ideal / samples, 4);
            json["ceiling_images_per_s"] = Math.Round(input.shape[0] * samples / ideal, 2);
            json["efficiency"] = Math.Round(ideal / seconds, 3);
            return;
        }
        if (method is AblationCam ablation)
        {
            // No ceiling: the closed form runs no forward, and the ablated copies run only what follows the layer.
            json["ablated_forwards"] = result.Stats.MaskedForwards;
            json["closed_form"] = ablation.ClosedForm && result.Stats.MaskedForwards == 0;
            json["oom_retries"] = result.Stats.OutOfMemoryRetries;
            return;
        }
        if (!method.UsesMaskedForwards)
        {
            // The explained forward of the batch is all such a method runs.
            var forwardRate = BenchCeilings.ForwardImagesPerSecond(model, (int)input.shape[0], size);
            json["forward_images_per_s"] = Math.Round(forwardRate, 2);
            json["efficiency"] = Math.Round(input.shape[0] / forwardRate / seconds, 3);
            return;
        }
        var masked = model.AtPrecision(precision);
        var chunk = result.Stats.ChunkSize;
        var ceiling = BenchCeilings.ForwardImagesPerSecond(masked, chunk, size);
        json["masked_forwards"] = result.Stats.MaskedForwards;
        json["forwards_saved"] = result.Stats.ForwardsSaved;
        json["chunk_size"] = chunk;
        json["oom_retries"] = result.Stats.OutOfMemoryRetries;
        json["forward_images_per_s"] = Math.Round(ceiling, 2);
        json["efficiency"] = Math.Round((result.Stats.MaskedForwards + 1) / ceiling / seconds, 3);
    }

    /// <summary>The same explanation with the chunk size planned from the budget: its maps must equal the timed run's.</summary>
    private static void AddChunkingCheck(JsonObject json, IClassifier model, CamMethod method, string[]? layers, MemoryBudget budget,
        ForwardPrecision precision,
        Tensor input, int classes, Explanation result)
    {
        var planned = new CamExplainer(model, method, layers, new ExplainerOptions { Budget = budget, Precision = precision });
        using var reference = planned.Explain(input, ClassSelection.Top(classes));
        var difference = result.Maps.Zip(reference.Maps).Max(p => (p.First - p.Second).abs().max().item<float>());
        json["planned_chunk_size"] = reference.Stats.ChunkSize;
        json["final_chunk_size"] = result.Stats.ChunkSize;
        json["max_abs_diff_vs_planned"] = difference;
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
