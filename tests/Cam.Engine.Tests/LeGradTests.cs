using System.Text.Json;
using Cam.Cli;
using Cam.Contracts;
using Cam.Engine.Applicability;
using Cam.Engine.Layers;
using Cam.Engine.Methods;
using Cam.Engine.Packages;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>
/// LeGrad on the reduced ViT: its maps against the port of torchcam's LeGrad run as parity cases
/// (Fixtures/parity-pgc/make_legrad.py, index-legrad.json, in <see cref="ParityTests"/>); here the attention the ViT
/// exposes for it, how target layers stand for blocks, class ranks, and the refusals.
/// </summary>
public class LeGradTests
{
    private static string Block(int i) => $"encoder.layers.encoder_layer_{i}";

    private static Tensor Input() => DeterministicWeights.Image("input.legrad", [2, 3, 32, 32]);

    private static Explanation Explain(IClassifier model, IReadOnlyList<string> layers, ClassSelection classes) =>
        new CamExplainer(model, CamMethods.Create(MethodNames.LeGrad), layers).Explain(Input(), classes);

    [Fact]
    public void the_parity_index_lists_five_legrad_cases_of_the_reduced_vits()
    {
        var index = JsonSerializer.Deserialize<List<Dictionary<string, JsonElement>>>(
            File.ReadAllText(Path.Combine(Fixtures.PgcDir, "index-legrad.json")))!;
        Assert.Equal(5, index.Count);
        Assert.All(index, c => Assert.Equal("legrad", c["method"].GetString()));
        Assert.Contains(index, c => c["normalized"].GetString() == "false");
        Assert.Contains(index, c => c["target_layers"].GetString()!.EndsWith(".ln_1", StringComparison.Ordinal));
    }

    [Fact]
    public void exposing_the_attention_keeps_the_logits_and_hands_out_each_blocks_probabilities_until_released()
    {
        using var model = ViTTiny.Filled();
        var vit = (IAttentionBlocks)model.Module;
        using var input = Input();
        using var fused = model.Logits(input);
        var probabilities = vit.AttentionProbabilitiesOf(Block(1));
        using (vit.ExposeAttention())
        using (var pass = model.Forward(input, [probabilities]))
        {
            Tolerance.Absolute(fused, pass.Logits, 1e-5, "logits with the attention formed vs fused attention");
            var p = pass.Activations[0];
            Assert.Equal([2L, 4, 17, 17], p.shape);
            Tolerance.Absolute(ones(2, 4, 17), p.sum(-1), 1e-5, "each query's probabilities sum to 1");
            Assert.True(p.min().item<float>() >= 0);
        }
        // released: the fused attention runs again and never forms the probabilities
        Assert.Throws<InvalidOperationException>(() => model.Forward(input, [probabilities]));
    }

    [Fact]
    public void each_class_rank_gets_the_map_its_class_alone_gets()
    {
        using var model = ViTTiny.Filled();
        string[] layers = [Block(1), Block(2)];
        using var both = Explain(model, layers, ClassSelection.PerImage([[3, 7], [1, 2]]));
        using var first = Explain(model, layers, ClassSelection.PerImage([[3], [1]]));
        using var second = Explain(model, layers, ClassSelection.PerImage([[7], [2]]));
        Assert.Equal([2L, 2, 4, 4], both.Maps[0].shape);
        Tolerance.Absolute(first.Maps[0].select(1, 0), both.Maps[0].select(1, 0), 1e-6, "rank 0");
        Tolerance.Absolute(second.Maps[0].select(1, 0), both.Maps[0].select(1, 1), 1e-6, "rank 1");
        Assert.True((both.Maps[0].select(1, 0) - both.Maps[0].select(1, 1)).abs().max().item<float>() > 1e-3,
            "the two classes' maps differ");
        // every layer gets the average over the blocks, so the fused map is that map too
        Tolerance.Absolute(both.Maps[0], both.Maps[1], 0, "both layers");
        Tolerance.Absolute(both.Maps[0], both.Fused!, 1e-7, "fused");
    }

    [Fact]
    public void a_layer_inside_a_block_stands_for_that_block_and_a_block_counts_once()
    {
        using var model = ViTTiny.Filled();
        var classes = ClassSelection.PerImage([[4], [9]]);
        using var block = Explain(model, [Block(2)], classes);
        using var norm = Explain(model, [ViTTiny.LastLayerNorm], classes);
        using var twice = Explain(model, [Block(2) + ".mlp", Block(2)], classes);
        using var other = Explain(model, [Block(0)], classes);
        Tolerance.Absolute(block.Maps[0], norm.Maps[0], 0, "ln_1 of block 2 vs block 2");
        Tolerance.Absolute(block.Maps[0], twice.Maps[1], 1e-7, "block 2 named twice vs once");
        Assert.True((block.Maps[0] - other.Maps[0]).abs().max().item<float>() > 1e-3, "another block, another map");
    }

    [Fact]
    public void legrad_is_refused_by_name_for_a_cnn_a_torchscript_package_and_a_layer_outside_the_blocks()
    {
        using var resnet = Fixtures.ResNet18();
        var cnn = Assert.Throws<MethodNotApplicableException>(() =>
            new CamExplainer(resnet, CamMethods.Create("legrad"), ["layer4"]));
        Assert.Contains("resnet18", cnn.Message);
        Assert.Contains("attention blocks", cnn.Message);

        using var package = ModelPackage.Load(ModernArchitectureTests.Modern("vit_scripted"));
        var scripted = Assert.Throws<MethodNotApplicableException>(() =>
            new CamExplainer(package.Classifier, CamMethods.Create("legrad")));
        Assert.Contains("TorchScript", scripted.Message);

        using var vit = ViTTiny.Filled();
        var outside = Assert.Throws<MethodNotApplicableException>(() =>
            Explain(vit, ["conv_proj"], ClassSelection.ForBatch(1)));
        Assert.Contains("'conv_proj'", outside.Message);
        Assert.Null(LeGrad.Problem(vit, [ViTTiny.LastLayerNorm, Block(0)]));
        Assert.Contains("'encoder.ln'", LeGrad.Problem(vit, ["encoder.ln"]));
        Assert.Contains("'encoder.layers.encoder_layer_3'", LeGrad.Problem(vit, [Block(3)]));
    }

    [Fact]
    public void legrad_takes_neither_an_output_target_nor_eigen_smoothing()
    {
        Assert.Contains("legrad", Assert.Throws<ArgumentException>(() =>
            CamMethods.Create("legrad", new MethodOptions { Target = ScoreTarget.Softmax })).Message);
        Assert.Contains("legrad", Assert.Throws<ArgumentException>(() =>
            CamMethods.Create("legrad", new MethodOptions { EigenSmooth = true })).Message);
        Assert.False(MethodNames.TakesTarget(MethodNames.LeGrad));
    }

    [Fact]
    public void the_probe_refuses_legrad_for_a_torchscript_vit_by_name_and_lets_gradcam_apply()
    {
        using var package = ModelPackage.Load(ModernArchitectureTests.Modern("vit_scripted"));
        MethodSpec[] methods = [new("legrad"), new("gradcam")];
        var verdicts = ModelProbe.Run(package, methods, [], 32, 32, measureRate: false).Methods
            .ToDictionary(m => m.Method);
        Assert.True(verdicts["gradcam"].Applicable, verdicts["gradcam"].Reason);
        Assert.False(verdicts["legrad"].Applicable);
        Assert.Contains("TorchScript", verdicts["legrad"].Reason);
        Assert.Contains("attention", verdicts["legrad"].Reason);
    }

    [Fact]
    public void cam_explain_refuses_legrad_on_a_cnn_in_one_line_naming_the_model_and_the_method()
    {
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = CamCommandLine.Build().Parse(["explain", "--arch", "resnet18", "--num-classes", "10",
                "--weights", Fixtures.ResNet18Weights, "--input", Fixtures.PathOf("cam_int_class.safetensors"),
                "--method", "legrad", "--class-idx", "5",
                "--out", Path.Combine(Path.GetTempPath(), $"cam-{Guid.NewGuid():N}.safetensors")]).Invoke();
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Equal(2, code);
        var line = Assert.Single(error.ToString().Trim().Split('\n'));
        Assert.StartsWith("error: legrad", line);
        Assert.Contains("resnet18", line);
    }
}
