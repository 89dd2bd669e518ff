using System.Diagnostics;
using Cam.Engine.Methods;
using Cam.Engine.Models;
using Cam.Engine.Precision;
using Cam.Engine.Tensors;
using TorchSharp;
using static TorchSharp.torch;

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

    public IReadOnlyList<ParityCaseResult> RunAll(IEnumerable<ParityCase> cases) => cases.Select(Run).ToList();

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
        string Meta(string key) => meta.TryGetValue(key, out var value) ? value : throw new FormatException($"{parityCase.Name}: metadata has no '{key}'");
        methodName = Meta("method");

        var weights = Path.GetFullPath(Path.Combine(parityCase.Directory, Meta("weights")));
        using var model = ModuleClassifier.Load(Meta("arch"), int.Parse(Meta("num_classes")), weights, Device);
        var method = CamMethods.Create(methodName, new MethodOptions
        {
            FcLayer = meta.GetValueOrDefault("fc_layer"),
            NumSamples = meta.TryGetValue("num_samples", out var samples) ? int.Parse(samples) : null,
            Convention = MethodConventions.Parse(meta.GetValueOrDefault("convention")),
        });
        var layers = Meta("target_layers").Split(',');
        var options = new ExplainerOptions
        {
            ChunkSize = meta.TryGetValue("batch_size", out var batch) ? int.Parse(batch) : null,
            Precision = Precision,
        };
        var explainer = new CamExplainer(model, method, layers, options);
        var normalized = Meta("normalized") == "true";
        using var result = explainer.Explain(file["input"], ClassSelection.Parse(Meta("class_idx")), normalized);

        var comparisons = new List<TensorComparison> { TensorComparison.Relative("logits", file["logits"], result.Logits, Tolerances.LogitsRelative) };
        for (var i = 0; i < layers.Length; i++)
        {
            var expected = file["expected." + layers[i]];
            var actual = result.Maps[i].squeeze(1);
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

    /// <summary>Automatic layer location at 224×224 and the first fully connected layer, as the reference picks them.</summary>
    private List<TensorComparison> Locate(ParityCase parityCase)
    {
        var arch = parityCase.Text("arch") ?? throw new FormatException($"{parityCase.Name}: no 'arch'");
        var numClasses = int.TryParse(parityCase.Text("num_classes"), out var n) ? n : 1000;
        using var model = new ModuleClassifier(Architectures.Create(arch, numClasses), arch);
        var comparisons = new List<TensorComparison> { Same("candidate_layer", parityCase.Text("candidate_layer"), model.LocateCandidateLayer([3, 224, 224])) };
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
