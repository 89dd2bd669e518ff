using System.Text.Json;
using Cam.Engine.Methods;
using Cam.Engine.Precision;
using TorchSharp;
using static TorchSharp.torch;
using Cam.Engine.Tensors;

namespace Cam.Engine.Tests;

public class ParityTests
{
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixtures.Cases) data.Add(c["case"].GetString()!);
        return data;
    }

    public static TheoryData<string> GradientCaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixtures.GradientCases) data.Add(c["case"].GetString()!);
        return data;
    }

    private static string Meta(IReadOnlyDictionary<string, string> meta, string key, string fallback = "") =>
        meta.TryGetValue(key, out var v) ? v : fallback;

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ReferenceCaseIsReproduced(string name) => Reproduce(Fixtures.Dir, name).ForEach(t => t.Dispose());

    [Theory]
    [MemberData(nameof(GradientCaseNames))]
    public void GradientReferenceCaseIsReproduced(string name) => Reproduce(Fixtures.GradientDir, name).ForEach(t => t.Dispose());

    /// <summary>
    /// The Score-CAM cases with their masked forwards in bfloat16 and channels-last: maps within 1e-2 of the reference.
    /// (IS-CAM's are the same masked forwards, ten times over; the other methods make no masked forwards.)
    /// </summary>
    public static TheoryData<string> ReducedPrecisionCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixtures.Cases.Where(c => c["method"].GetString() == "scorecam")) data.Add(c["case"].GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(ReducedPrecisionCases))]
    public void BFloat16ChannelsLastMaskedForwardsStayWithinOneHundredthOfTheReference(string name)
    {
        var maps = Reproduce(Fixtures.Dir, name, new ForwardPrecision(ScalarType.BFloat16, ChannelsLast: true), 1e-2);
        var exact = Reproduce(Fixtures.Dir, name);
        // Not vacuous: the reduced-precision forwards did run, and moved the maps.
        Assert.True(maps.Zip(exact).Any(p => (p.First - p.Second).abs().max().item<float>() > 1e-5), "bfloat16 gave the float32 maps exactly");
    }

    /// <summary>Runs a case and checks it against the reference; returns its maps (and the fused map) for further checks.</summary>
    private static List<Tensor> Reproduce(string directory, string name, ForwardPrecision? precision = null, double mapTolerance = 1e-4)
    {
        using var file = SafeTensors.Load(Path.Combine(directory, name + ".safetensors"));
        var meta = file.Metadata;
        using var model = Engine.Models.ModuleClassifier.Load(Meta(meta, "arch"), int.Parse(Meta(meta, "num_classes")), Path.Combine(directory, Meta(meta, "weights")));
        var method = CamMethods.Create(Meta(meta, "method"), new MethodOptions
        {
            FcLayer = meta.GetValueOrDefault("fc_layer"),
            NumSamples = meta.TryGetValue("num_samples", out var s) ? int.Parse(s) : null,
            Convention = MethodConventions.Parse(meta.GetValueOrDefault("convention")),
        });
        var layers = Meta(meta, "target_layers").Split(',');
        var options = new ExplainerOptions { ChunkSize = meta.TryGetValue("batch_size", out var b) ? int.Parse(b) : null, Precision = precision };
        var explainer = new CamExplainer(model, method, layers, options);
        var normalized = Meta(meta, "normalized") == "true";
        using var result = explainer.Explain(file["input"], ClassSelection.Parse(Meta(meta, "class_idx")), normalized);
        Assert.Equal(ForwardPrecision.Float32, model.Precision);

        Assert.Equal(ScalarType.Float32, result.Logits.dtype);
        Tolerance.Relative(file["logits"], result.Logits, 1e-4, "logits");
        for (var i = 0; i < layers.Length; i++)
        {
            var expected = file["expected." + layers[i]];
            var actual = result.Maps[i].squeeze(1);
            if (normalized) Tolerance.Absolute(expected, actual, mapTolerance, layers[i]);
            else Tolerance.Relative(expected, actual, mapTolerance, layers[i]);
        }
        if (file.Tensors.ContainsKey("expected.fused"))
            Tolerance.Absolute(file["expected.fused"], result.Fused!.squeeze(1), mapTolerance, "fused");
        return [.. result.Maps.Select(m => m.detach().clone().DetachFromDisposeScope()), .. result.Fused is null ? [] : new[] { result.Fused.detach().clone().DetachFromDisposeScope() }];
    }

    [Fact]
    public void AutomaticResolutionPicksTheReferenceLayers()
    {
        foreach (var locate in Fixtures.Locates)
        {
            Assert.Equal("resnet18", locate["arch"].GetString());
            using var model = Fixtures.ResNet18();
            Assert.Equal(locate["candidate_layer"].GetString(), model.LocateCandidateLayer([3, 224, 224]));
            var (fc, weight) = model.LinearWeights(null);
            using (weight) Assert.Equal(locate["linear_layer"].GetString(), fc);
        }
        Assert.NotEmpty(Fixtures.Locates);
    }
}
