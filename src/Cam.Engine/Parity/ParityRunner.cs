using System.Diagnostics;
using Cam.Engine.Methods;
using Cam.Engine.Models;
using Cam.Engine.Precision;
using Cam.Engine.Tensors;

namespace Cam.Engine.Parity;

/// <summary>
/// Runs reference fixture cases on a device and precision (for `cam parity` and the engine's parity tests): the case file's
/// metadata give the architecture, weights, method and its options, target layers, classes and normalisation; the
/// logits, every layer's map and the fused map are compared with the expected tensors. A case that cannot run (an
/// unknown method, a missing file, a device error) is a failed case with its reason, never an exception.
/// </summary>
public sealed class ParityRunner
{
    /// <param name="tolerances">The bounds cases are judged by; those of the precision (<see cref="ParityTolerances.For"/>) when null.</param>
    public ParityRunner(Device device, ForwardPrecision precision, ParityTolerances? tolerances = null)
    {
        Device = device;
        Precision = precision;
        Tolerances = tolerances ?? ParityTolerances.For(precision);
        if (device.type == DeviceType.CUDA)
        {
            // PyTorch lets cuDNN convolutions use TF32 by default: 10-bit mantissas, far outside the fixtures' 1e-4.
            torch.backends.cuda.matmul.allow_tf32 = false;
            torch.backends.cudnn.allow_tf32 = false;
        }
    }

    public Device Device { get; }
    public ForwardPrecision Precision { get; }
    public ParityTolerances Tolerances { get; }

    /// <summary>TF32 as libtorch has it now (matmul, cuDNN); null off CUDA, where it does not apply.</summary>
    public (bool Matmul, bool Cudnn)? Tf32 => Device.type == DeviceType.CUDA
        ? (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
        : null;

    public ParityCaseResult Run(ParityCase parityCase)
    {
        var clock = Stopwatch.StartNew();
        var method = parityCase.Text("method");
        try
        {
            var comparisons = parityCase.IsLocate ? Locate(parityCase) : Explain(parityCase, out method);
            return new ParityCaseResult(parityCase, method, comparisons, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e)
        {
            return new ParityCaseResult(parityCase, method, [], clock.Elapsed.TotalSeconds, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private List<TensorComparison> Explain(ParityCase parityCase, out string? methodName)
    {
        if (!parityCase.Entry.ContainsKey("method"))
            throw new FormatException("the index entry is neither an explanation case (method) nor a location case (candidate_layer)");
        using var scope = NewDisposeScope();
        using var file = SafeTensors.Load(parityCase.CaseFile);
        var meta = file.Metadata;
        string Meta(string key) => meta.TryGetValue(key,
            out var value) ? value : throw new FormatException($"{parityCase.Name}: metadata has no '{key}'");
        methodName = Meta("method");

        using var model = LoadModel(parityCase, Meta("arch"), int.Parse(Meta("num_classes")), Meta("weights"),
            meta.GetValueOrDefault("vit_config"));
        var method = CamMethods.Create(methodName, new MethodOptions
        {
            FcLayer = meta.GetValueOrDefault("fc_layer"),
            NumSamples = meta.TryGetValue("num_samples", out var samples) ? int.Parse(samples) : null,
            Convention = MethodConventions.Parse(meta.GetValueOrDefault("convention")),
            Target = ScoreTargets.Parse(meta.GetValueOrDefault("target")),
            AugSmooth = meta.GetValueOrDefault("aug_smooth") == "true",
            EigenSmooth = meta.GetValueOrDefault("eigen_smooth") == "true",
        });
        var layers = Meta("target_layers").Split(',');
        var options = new ExplainerOptions
        {
            ChunkSize = meta.TryGetValue("batch_size", out var batch) ? int.Parse(batch) : null,
            Precision = Precision,
        };
        var explainer = new CamExplainer(model, method, layers, options);
        var normalized = Meta("normalized") == "true";
        var input = file.Tensors.ContainsKey("input") ? file["input"] : CounterInput(meta);
        using var result = explainer.Explain(input, ClassSelection.Parse(Meta("class_idx")), normalized);

        var comparisons = new List<TensorComparison> { TensorComparison.Relative("logits", file["logits"], result.Logits,
            Tolerances.LogitsRelative) };
        for (var i = 0; i < layers.Length; i++)
        {
            var actual = result.Maps[i].squeeze(1);
            var expected = file.Tensors.ContainsKey("expected_alt." + layers[i])
                ? Closer(file["expected." + layers[i]], file["expected_alt." + layers[i]], actual)
                : file["expected." + layers[i]];
            comparisons.Add(normalized
                ? TensorComparison.Absolute(layers[i], expected, actual, Tolerances.NormalizedAbsolute)
                : TensorComparison.Relative(layers[i], expected, actual, Tolerances.RawRelative));
        }
        if (file.Tensors.ContainsKey("expected.fused"))
        {
            comparisons.Add(result.Fused is null
                ? new TensorComparison("fused", false, double.NaN, double.NaN, Tolerances.NormalizedAbsolute, "no fused map was computed")
                : TensorComparison.Absolute("fused", file["expected.fused"], result.Fused.squeeze(1), Tolerances.NormalizedAbsolute));
        }
        return comparisons;
    }

    /// <summary>
    /// A built-in architecture with the case's weights: a safetensors file relative to the index, or <c>counter:SEED</c>
    /// for <see cref="CounterValues"/> (no file). Architecture <c>VisionTransformer</c> is torchvision's class at the
    /// sizes of <c>vit_config</c> (<see cref="ReducedVisionTransformer"/>), with counter weights only.
    /// </summary>
    private ModuleClassifier LoadModel(ParityCase parityCase, string arch, int numClasses, string weights,
        string? vitConfig)
    {
        Func<nn.Module<Tensor, Tensor>> factory = arch == ReducedVisionTransformer.Architecture
            ? () => ReducedVisionTransformer.Create(vitConfig ?? throw new FormatException(
                $"{parityCase.Name}: architecture {arch} needs 'vit_config'"), numClasses)
            : () => Architectures.Create(arch, numClasses);
        if (!weights.StartsWith("counter:", StringComparison.Ordinal))
        {
            if (arch == ReducedVisionTransformer.Architecture)
                throw new FormatException($"{parityCase.Name}: a {arch} case takes counter weights only");
            return ModuleClassifier.Load(arch, numClasses, Path.GetFullPath(Path.Combine(parityCase.Directory, weights)), Device);
        }
        var seed = ulong.Parse(weights["counter:".Length..]);
        var module = CounterValues.Fill(factory(), seed);
        return new ModuleClassifier(module, arch, Device, factory);
    }

    /// <summary>The input of a case that stores none: <see cref="CounterValues.Image"/> of <c>input_key</c> and <c>input_shape</c>.</summary>
    private static Tensor CounterInput(IReadOnlyDictionary<string, string> meta)
    {
        if (!meta.TryGetValue("input_key", out var key) || !meta.TryGetValue("input_shape", out var shape))
            throw new FormatException("the case has neither an 'input' tensor nor 'input_key' and 'input_shape'");
        return CounterValues.Image(key, shape.Split(',').Select(long.Parse).ToArray(),
            meta.TryGetValue("input_seed", out var seed) ? ulong.Parse(seed) : CounterValues.Seed);
    }

    /// <summary>
    /// Image by image, whichever of two expected maps (N, h, w) is closer to the computed one: a principal component's
    /// sign is arbitrary, so the reference stores its map and the map of its negated component.
    /// </summary>
    private static Tensor Closer(Tensor expected, Tensor alternative, Tensor actual)
    {
        var a = actual.detach().cpu().to(expected.dtype);
        var first = (expected - a).abs().flatten(1).amax([1L]);
        var second = (alternative - a).abs().flatten(1).amax([1L]);
        return torch.where((second < first).reshape(-1, 1, 1), alternative, expected);
    }

    /// <summary>Automatic layer location at 224×224 and the first fully connected layer, as the reference picks them.</summary>
    private List<TensorComparison> Locate(ParityCase parityCase)
    {
        var arch = parityCase.Text("arch") ?? throw new FormatException($"{parityCase.Name}: no 'arch'");
        var numClasses = int.TryParse(parityCase.Text("num_classes"), out var n) ? n : 1000;
        using var model = new ModuleClassifier(Architectures.Create(arch, numClasses), arch);
        var comparisons = new List<TensorComparison> { Same("candidate_layer", parityCase.Text("candidate_layer"), model.LocateCandidateLayer([3,
            224, 224])) };
        if (parityCase.Text("linear_layer") is { } expectedLinear)
        {
            var (linear, weight) = model.LinearWeights(null);
            weight.Dispose();
            comparisons.Add(Same("linear_layer", expectedLinear, linear));
        }
        return comparisons;
    }

    private static TensorComparison Same(string what, string? expected, string actual) => expected == actual
        ? new TensorComparison(what, false, 0, 1, 0)
        : new TensorComparison(what, false, double.NaN, double.NaN, 0, $"found '{actual}', the reference '{expected}'");
}
