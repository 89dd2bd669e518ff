using Cam.Engine;
using Cam.Engine.Methods;
using Cam.Engine.Models;
using Cam.Engine.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Cli.Commands;

/// <summary><c>cam explain</c>: maps for a tensor of already-normalised images, read from and written to safetensors.</summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "built-in architecture (resnet18, vgg16_bn, mobilenet_v2, …)", Required = true };
        var numClasses = new Option<int>("--num-classes") { Description = "number of classes of the model", DefaultValueFactory = _ => 1000 };
        var weights = new Option<string>("--weights") { Description = "state_dict as safetensors (F32, F16 or BF16)", Required = true };
        var input = new Option<string>("--input")
        {
            Description = "safetensors file with a tensor 'input' (N,3,H,W), already normalised", Required = true
        };
        var method = new Option<string>("--method")
        {
            Description = string.Join(", ", Cam.Contracts.MethodNames.All),
            DefaultValueFactory = _ => Cam.Contracts.MethodNames.ScoreCam
        };
        var convention = MethodArguments.Convention();
        var (target, augSmooth, eigenSmooth) = (MethodArguments.Target(), MethodArguments.AugSmooth(), MethodArguments.EigenSmooth());
        var layers = new Option<string?>("--layers") { Description = "comma-separated target layers; found automatically when omitted" };
        var classIdx = new Option<string>("--class-idx")
        {
            Description = "an int (same class for the batch) or a JSON list (one class per image)", Required = true
        };
        var raw = new Option<bool>("--raw") { Description = "do not normalise the maps" };
        var chunkSize = new Option<int?>("--chunk-size") { Description = "masked inputs per forward; planned from the memory budget when omitted" };
        var numSamples = new Option<int?>("--num-samples")
        {
            Description = $"samples of SS-CAM ({SmoothScoreCam.DefaultSamples}), IS-CAM " +
                $"({IntegratedScoreCam.DefaultSamples}) or Smooth Grad-CAM++ ({SmoothGradCamPlusPlus.DefaultSamples})"
        };
        var std = new Option<float?>("--std")
        {
            Description = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"noise deviation of SS-CAM ({SmoothScoreCam.DefaultStd:0.0#}) or Smooth Grad-CAM++ ({SmoothGradCamPlusPlus.DefaultStd:0.0#})")
        };
        var seed = new Option<long>("--seed")
        {
            Description = "seed of SS-CAM's and Smooth Grad-CAM++'s noise and Random-CAM's weights",
            DefaultValueFactory = _ => 0
        };
        var fcLayer = new Option<string?>("--fc-layer") { Description = "CAM's fully connected layer; the first one when omitted" };
        var output = new Option<string>("--out") { Description = "safetensors file to write: logits, cam.<layer>, cam.fused", Required = true };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp" };
        var memoryBudget = new Option<int?>("--memory-budget-mb") { Description = "CPU memory for the masked forwards, in MiB (256)" };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:n]", DefaultValueFactory = _ => "cpu" };

        var command = new Command("explain", "explain a tensor of images with a built-in architecture")
        {
            arch, numClasses, weights, input, method, convention, target, augSmooth, eigenSmooth, layers, classIdx, raw, chunkSize, numSamples, std,
                seed, fcLayer, output, threads, memoryBudget, device,
        };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            TorchSetup.Apply(parse.GetValue(threads));
            var selection = ClassSelection.Parse(parse.GetValue(classIdx)!);
            var camMethod = CamMethods.Create(parse.GetValue(method)!, new MethodOptions
            {
                FcLayer = parse.GetValue(fcLayer),
                NumSamples = parse.GetValue(numSamples),
                Std = parse.GetValue(std),
                Seed = parse.GetValue(seed),
                Convention = MethodConventions.Parse(parse.GetValue(convention)),
                Target = ScoreTargets.Parse(parse.GetValue(target)),
                AugSmooth = parse.GetValue(augSmooth),
                EigenSmooth = parse.GetValue(eigenSmooth),
            });
            var targetLayers = parse.GetValue(layers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            using var file = SafeTensors.Load(parse.GetValue(input)!);
            var images = file["input"];
            if (images.ndim != 4 || images.shape[1] != 3)
                throw new ArgumentException($"tensor 'input' must be (N, 3, H, W), not ({string.Join(", ", images.shape)})");
            using var model = ModuleClassifier.Load(parse.GetValue(arch)!, parse.GetValue(numClasses), parse.GetValue(weights)!,
                TorchSetup.ParseDevice(parse.GetValue(device)!));
            var explainer = new CamExplainer(model, camMethod, targetLayers, new ExplainerOptions
            {
                ChunkSize = parse.GetValue(chunkSize),
                Budget = TorchSetup.Budget(parse.GetValue(memoryBudget)),
            });
            using var result = explainer.Explain(images.to(ScalarType.Float32), selection, normalized: !parse.GetValue(raw));
            var outputs = new List<KeyValuePair<string, Tensor>> { new("logits", result.Logits) };
            for (var i = 0; i < result.Layers.Count; i++) outputs.Add(new("cam." + result.Layers[i], result.Maps[i].squeeze(1)));
            if (result.Fused is not null) outputs.Add(new("cam.fused", result.Fused.squeeze(1)));
            SafeTensors.Save(parse.GetValue(output)!, outputs, new Dictionary<string, string>
            {
                ["method"] = camMethod.Name,
                ["target_layers"] = string.Join(",", result.Layers),
                ["normalized"] = (!parse.GetValue(raw)).ToString().ToLowerInvariant(),
            });
            Console.WriteLine($"wrote {parse.GetValue(output)}: " +
                $"{string.Join(", ", outputs.Select(o => $"{o.Key} [{string.Join(",", o.Value.shape)}]"))}");
            return 0;
        }));
        return command;
    }
}
