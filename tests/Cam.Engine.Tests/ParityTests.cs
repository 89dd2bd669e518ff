using System.Text.Json;
using Cam.Engine.Methods;
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
    public void ReferenceCaseIsReproduced(string name) => Reproduce(Fixtures.Dir, name);

    [Theory]
    [MemberData(nameof(GradientCaseNames))]
    public void GradientReferenceCaseIsReproduced(string name) => Reproduce(Fixtures.GradientDir, name);

    private static void Reproduce(string directory, string name)
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
        var options = new ExplainerOptions { ChunkSize = meta.TryGetValue("batch_size", out var b) ? int.Parse(b) : null };
        var explainer = new CamExplainer(model, method, layers, options);
        var normalized = Meta(meta, "normalized") == "true";
        using var result = explainer.Explain(file["input"], ClassSelection.Parse(Meta(meta, "class_idx")), normalized);

        Tolerance.Relative(file["logits"], result.Logits, 1e-4, "logits");
        for (var i = 0; i < layers.Length; i++)
        {
            var expected = file["expected." + layers[i]];
            var actual = result.Maps[i].squeeze(1);
            if (normalized) Tolerance.Absolute(expected, actual, 1e-4, layers[i]);
            else Tolerance.Relative(expected, actual, 1e-4, layers[i]);
        }
        if (file.Tensors.ContainsKey("expected.fused"))
            Tolerance.Absolute(file["expected.fused"], result.Fused!.squeeze(1), 1e-4, "fused");
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
