using System.Text.Json;
using Cam.Engine.Methods;
using Cam.Engine.Models;
using Cam.Engine.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>vit_b_16, vit_b_32, convnext_tiny and efficientnet_b0 against torchvision (Fixtures/modern/make_modern.py).</summary>
public class ModernArchitectureTests
{
    internal static string Modern(string file) => Path.Combine(Fixtures.Dir, "..", "modern", file);

    private static readonly Lazy<Dictionary<string, (string Arch, long[] Shape)>> Cases = new(() =>
    {
        using var file = SafeTensors.Load(Modern("logits.safetensors"));
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(file.Metadata["cases"])!.ToDictionary(
            kv => kv.Key,
            kv => (kv.Value.GetProperty("arch").GetString()!, kv.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray()));
    });

    public static TheoryData<string> LogitCases()
    {
        var data = new TheoryData<string>();
        foreach (var name in Cases.Value.Keys) data.Add(name);
        return data;
    }

    private static nn.Module<Tensor, Tensor> Filled(string arch) => DeterministicWeights.Fill(Architectures.Create(arch, 10));

    [Theory]
    [MemberData(nameof(LogitCases))]
    public void Logits_equal_torchvisions_on_the_same_weights(string name)
    {
        var (arch, shape) = Cases.Value[name];
        using var model = Filled(arch);
        using var input = DeterministicWeights.Image($"input.{name}", shape);
        using var file = SafeTensors.Load(Modern("logits.safetensors"));
        using var _ = no_grad();
        using var logits = model.call(input);
        Tolerance.Relative(file[name], logits, 1e-4, $"{name} logits vs torchvision");
    }

    [Fact]
    public void Every_architecture_of_issue16_is_built_in_and_checked_against_torchvision()
    {
        string[] required = ["vit_b_16", "vit_b_32", "convnext_tiny", "efficientnet_b0"];
        Assert.Empty(required.Except(Architectures.Names));
        Assert.Empty(required.Except(Cases.Value.Values.Select(c => c.Arch)));
        // the CNNs at a non-square size too
        Assert.Contains(Cases.Value.Values, c => c.Arch == "convnext_tiny" && c.Shape[2] != c.Shape[3]);
        Assert.Contains(Cases.Value.Values, c => c.Arch == "efficientnet_b0" && c.Shape[2] != c.Shape[3]);
    }

    [Fact]
    public void A_vision_transformer_refuses_another_input_size_saying_which_it_takes()
    {
        using var model = ViTTiny.Create();
        using var input = zeros(1, 3, 32, 40);
        var error = Assert.Throws<ArgumentException>(() => model.call(input));
        Assert.Contains("(N, 3, 32, 32)", error.Message);
        Assert.Contains("32, 40", error.Message);
    }

    [Theory]
    [InlineData("convnext_tiny", "features", 768)]
    [InlineData("efficientnet_b0", "features", 1280)]
    public void The_candidate_layer_of_a_modern_cnn_is_its_last_feature_map(string arch, string expected, long channels)
    {
        using var model = new ModuleClassifier(Architectures.Create(arch, 10), arch);
        Assert.Equal(expected, model.LocateCandidateLayer([3, 64, 96]));
        using var input = zeros(1, 3, 64, 96);
        using var pass = model.Forward(input, [expected]);
        // the last map before pooling: stride 32
        Assert.Equal(new long[] { 1, channels, 2, 3 }, pass.Activations[0].shape);
    }

    [Fact]
    public void The_default_layer_of_a_vision_transformer_is_the_last_blocks_first_layer_norm()
    {
        using var full = new ModuleClassifier(Architectures.Create("vit_b_32", 10), "vit_b_32");
        Assert.Equal("encoder.layers.encoder_layer_11.ln_1", full.LocateCandidateLayer([3, 224, 224]));
        using var tiny = new ModuleClassifier(ViTTiny.Create(), "vit_tiny");
        Assert.Equal(ViTTiny.LastLayerNorm, tiny.LocateCandidateLayer([3, 32, 32]));
    }

    /// <summary>
    /// ConvNeXt's head is pool → LayerNorm(g, b) → linear(W, bias). With CAM's rows W·diag(g), a raw map M_k has
    /// logit_k = (mean(M_k) − μ·Σ_c W_kc g_c) / σ + Σ_c W_kc b_c + bias_k, μ and σ the pooled features' mean and
    /// deviation over channels: recomputed here from the hooked features and the head's parameters.
    /// </summary>
    [Fact]
    public void ConvNeXt_cam_maps_give_the_logits_through_the_heads_layer_norm()
    {
        var network = Filled("convnext_tiny");
        using var model = new ModuleClassifier(network, "convnext_tiny");
        using var input = DeterministicWeights.Image("input.cam.convnext_tiny", [2, 3, 64, 64]);
        var classes = ClassSelection.ForBatch(Enumerable.Range(0, 10).ToArray());
        using var explanation = new CamExplainer(model, new ClassActivationMap()).Explain(input, classes, normalized: false);
        Assert.Equal(["features"], explanation.Layers);

        using var scope = NewDisposeScope();
        using var pass = model.Forward(input, ["features"]);
        var state = network.state_dict();
        var (w, bias, g, b) = (state["classifier.2.weight"], state["classifier.2.bias"], state["classifier.0.weight"], state["classifier.0.bias"]);
        var pooled = pass.Activations[0].mean([2L, 3L]);
        var mu = pooled.mean([1L], keepdim: true);
        var sigma = (pooled.var(1, unbiased: false, keepdim: true) + 1e-6).sqrt();
        var mapMeans = explanation.Maps[0].mean([2L, 3L]);
        var recomputed = (mapMeans - mu * (w * g).sum(1).unsqueeze(0)) / sigma + (w * b).sum(1).unsqueeze(0) + bias;
        Tolerance.Relative(pass.Logits, recomputed, 1e-4, "logits from CAM maps through the head's norm");
    }

    [Fact]
    public void EfficientNet_cam_maps_average_to_the_logit_minus_the_bias()
    {
        var network = Filled("efficientnet_b0");
        using var model = new ModuleClassifier(network, "efficientnet_b0");
        using var input = DeterministicWeights.Image("input.cam.efficientnet_b0", [2, 3, 64, 96]);
        var classes = ClassSelection.ForBatch(Enumerable.Range(0, 10).ToArray());
        using var explanation = new CamExplainer(model, new ClassActivationMap()).Explain(input, classes, normalized: false);
        Assert.Equal(["features"], explanation.Layers);
        using var scope = NewDisposeScope();
        var recomputed = explanation.Maps[0].mean([2L, 3L]) + network.state_dict()["classifier.1.bias"];
        Tolerance.Relative(explanation.Logits, recomputed, 1e-4, "mean CAM map + bias vs logits");
    }
}

/// <summary>The reduced ViT of the map fixtures: torchvision's class with 3 layers, 48 wide, 32×32 inputs in 8×8 patches.</summary>
internal static class ViTTiny
{
    public const string LastLayerNorm = "encoder.layers.encoder_layer_2.ln_1";

    public static VisionTransformer Create() =>
        new("vit_tiny", imageSize: 32, patchSize: 8, numLayers: 3, numHeads: 4, hiddenDim: 48, mlpDim: 96, numClasses: 10);

    public static ModuleClassifier Filled() => new(DeterministicWeights.Fill(Create()), "vit_tiny");
}
