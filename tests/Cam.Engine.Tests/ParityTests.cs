using System.Text.Json.Nodes;
using Cam.Engine.Methods;
using Cam.Engine.Parity;
using Cam.Engine.Precision;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>
/// The reference fixtures, each case run and judged by <see cref="ParityRunner"/>, as <c>cam parity</c> runs them (the
/// committed base cases through <c>cam parity</c> itself, once: <see cref="CommittedParity"/>).
/// </summary>
[Collection(CommittedParity.Collection)]
public class ParityTests
{
    private static readonly Lazy<IReadOnlyList<ParityCase>> AllCases =
        new(() => ParityCase.Load([Fixtures.Dir, Fixtures.GradientDir, Fixtures.PgcDir]));

    private static TheoryData<string> Names(Func<ParityCase, bool> which)
    {
        var data = new TheoryData<string>();
        foreach (var c in AllCases.Value.Where(which)) data.Add(c.Name);
        return data;
    }

    public static TheoryData<string> CaseNames() => Names(c => !c.IsLocate && c.Directory == Path.GetFullPath(Fixtures.Dir));

    public static TheoryData<string> GradientCaseNames() => Names(c => c.Directory == Path.GetFullPath(Fixtures.GradientDir));

    public static TheoryData<string> PgcCaseNames() => Names(c => c.Directory == Path.GetFullPath(Fixtures.PgcDir));

    /// <summary>
    /// The cheaper Score-CAM case (layer3 and layer4 fused, one image at 96×96: 768 masked forwards) with its masked
    /// forwards in bfloat16 and channels-last: maps within 1e-2 of the reference. scorecam_layer4, the same masked
    /// forwards over two images at 112×112 (1,024 of them, twice the CPU time), is judged at the same bound by
    /// <c>cam parity --fixtures tests/Cam.Engine.Tests/Fixtures/parity --dtype bfloat16 --channels-last</c> (README's
    /// parity section). IS-CAM's are the same masked forwards, four times over; the other methods make none.
    /// </summary>
    public static TheoryData<string> ReducedPrecisionCases() => Names(c => c.Name == "scorecam_two_layers_fused");

    /// <summary>
    /// The bfloat16 bound of a sample of the resnet18 cases of methods that differentiate through the explained
    /// forward (one or two per method, layer3 and eigen cases among them; every case is measured in
    /// docs/bench/gradient-precision-parity.md and by <c>cam parity --dtype bfloat16</c>): normalised maps absolute,
    /// raw maps relative. 1e-2 where the engine's error here and the emulated bfloat16 forward's
    /// (docs/bench/gradient-bf16-sources.py) are both below 8e-3; elsewhere 1.25 × the larger of the two, rounded up
    /// (bfloat16 kernels differ from CPU to CPU and GPU, and with them the draw of the rounding errors). Rounding
    /// only the convolutions' weights and inputs of an otherwise float32 forward, the least any forward with bfloat16
    /// convolutions rounds, moves the maps of the layer3 cases, Eigen-Grad-CAM's, Grad-CAM's with ReST, ShapleyCAM's
    /// and RefineCAM's by 1.4e-2 to 0.13 already.
    /// </summary>
    private static readonly Dictionary<string, double> BFloat16Bounds = new()
    {
        ["gradcampp_paper"] = 1e-2,
        ["xgradcam_two_layers_fused"] = 1e-2,
        ["hirescam_resnet18_raw"] = 0.02,
        ["gradcamelementwise_resnet18"] = 0.016,
        ["gradcamelementwise_resnet18_layer3"] = 0.034,
        ["gradcam_rest_resnet18"] = 0.032,
        ["layercam_eigen_smooth_resnet18"] = 0.021,
        ["eigengradcam_resnet18"] = 0.24,
        ["finercam_class_resnet18_layer3"] = 0.24,
        ["shapleycam_resnet18"] = 0.041,
        ["fullgrad_resnet18"] = 0.064,
        ["refinecam_resnet18"] = 0.028,
    };

    public static TheoryData<string> ReducedPrecisionGradientCases() => Names(c => BFloat16Bounds.ContainsKey(c.Name));

    /// <summary>torchcam's gradient-family cases (Grad-CAM, Grad-CAM++, XGrad-CAM, Layer-CAM; layer4, and layer3 with layer4).</summary>
    public static TheoryData<string> TorchcamGradientCases() => GradientCaseNames();

    private static ParityCaseResult Run(string name, ParityRunner runner)
    {
        var result = runner.Run(AllCases.Value.Single(c => c.Name == name));
        Assert.True(result.Passed, $"{name}: {result.Reason}");
        return result;
    }

    private static ParityCaseResult RunFloat32(string name) => Run(name, OnCpu(ForwardPrecision.Float32));

    private static ParityRunner OnCpu(ForwardPrecision precision, ParityTolerances? tolerances = null) => new(CPU, precision, tolerances);

    /// <summary>Judged in <c>cam parity</c>'s report over the committed fixtures (<see cref="CommittedParity"/>).</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Reference_case_is_reproduced(string name)
    {
        var result = CommittedParity.Case(name);
        Assert.True((bool)result["passed"]!, $"{name}: {(string?)result["reason"]}");
    }

    [Theory]
    [MemberData(nameof(GradientCaseNames))]
    public void Gradient_reference_case_is_reproduced(string name) => RunFloat32(name);

    /// <summary>pytorch-grad-cam's methods, targets and smoothing (Fixtures/parity-pgc/make_pgc.py), maps at the layer's resolution.</summary>
    [Theory]
    [MemberData(nameof(PgcCaseNames))]
    public void pytorch_grad_cam_case_is_reproduced(string name) => RunFloat32(name);

    [Theory]
    [MemberData(nameof(ReducedPrecisionCases))]
    public void BFloat16_channels_last_masked_forwards_stay_within_one_hundredth_of_the_reference(string name)
    {
        // The explained forward stays float32, so the logits keep float32's bound; maps get 1e-2.
        var reduced = Run(name, OnCpu(new ForwardPrecision(ScalarType.BFloat16, ChannelsLast: true), new ParityTolerances(1e-2, 1e-2, 1e-4)));
        var exact = CommittedParity.Case(name);
        Assert.True((bool)exact["passed"]!, $"{name}: {(string?)exact["reason"]}");
        // Not vacuous: the reduced-precision forwards did run, and moved the maps (their distance to the reference changed).
        var exactDistances = exact["comparisons"]!.AsObject().ToDictionary(c => c.Key, c => (double)c.Value!["max_abs_diff"]!);
        Assert.Equal(exactDistances.Keys.Order(), reduced.Comparisons.Select(c => c.Name).Order());
        Assert.Contains(reduced.Comparisons, c => c.Name != "logits" && Math.Abs(c.MaxAbsDifference - exactDistances[c.Name]) > 1e-5);
    }

    /// <summary>
    /// bfloat16 keeps 8 bits of mantissa: with the model up to the target layer in bfloat16 and the rest in float32,
    /// each case's maps stay within its bound (<see cref="BFloat16Bounds"/>), the logits within 5e-2 relative.
    /// </summary>
    [Theory]
    [MemberData(nameof(ReducedPrecisionGradientCases))]
    public void Gradient_methods_run_in_bfloat16_channels_last_with_maps_within_the_bound_of_their_case(string name)
    {
        var bound = BFloat16Bounds[name];
        var precision = new ForwardPrecision(ScalarType.BFloat16, ChannelsLast: true);
        var result = Run(name, OnCpu(precision, new ParityTolerances(bound, bound, 5e-2)));
        // Not vacuous: the explained forward ran in bfloat16, so its logits miss float32's bound.
        var logits = result.Comparisons.Single(c => c.Name == "logits");
        Assert.True(logits.Error > ParityTolerances.Float32.LogitsRelative,
            $"{name}: logits within {logits.Error:E2} of float32's");
    }

    [Fact]
    public void Every_bfloat16_bound_names_a_resnet18_case_of_a_method_that_differentiates()
    {
        foreach (var name in BFloat16Bounds.Keys)
        {
            var parityCase = Assert.Single(AllCases.Value, c => c.Name == name);
            Assert.Equal("resnet18", parityCase.Text("arch"));
            Assert.True(CamMethods.Create(parityCase.Text("method")!).Differentiates, name);
        }
    }

    /// <summary>float16 keeps 11 bits: torchcam's gradient cases stay within 1e-2 (normalised) of the reference.</summary>
    [Theory]
    [MemberData(nameof(TorchcamGradientCases))]
    public void Gradient_methods_run_in_float16_with_maps_within_one_hundredth_of_torchcams_reference(string name)
    {
        var result = Run(name, OnCpu(new ForwardPrecision(ScalarType.Float16), new ParityTolerances(1e-2, 1e-2, 5e-2)));
        var logits = result.Comparisons.Single(c => c.Name == "logits");
        Assert.True(logits.Error > ParityTolerances.Float32.LogitsRelative, $"{name}: logits within {logits.Error:E2} of float32's");
    }

    [Fact]
    public void Automatic_resolution_picks_the_reference_layers()
    {
        var locates = AllCases.Value.Where(c => c.IsLocate).ToList();
        Assert.NotEmpty(locates);
        foreach (var locate in locates)
        {
            var result = RunFloat32(locate.Name);
            Assert.Equal(["candidate_layer", "linear_layer"], result.Comparisons.Select(c => c.Name));
        }
    }

    [Fact]
    public void Explaining_at_reduced_precision_leaves_the_model_and_the_logits_in_float32()
    {
        using var model = SmallNet.Create();
        using var input = randn(1, 3, 64, 64);
        var explainer = new CamExplainer(model, new ScoreCam(), [SmallNet.Last],
            new ExplainerOptions { Precision = new ForwardPrecision(ScalarType.BFloat16, ChannelsLast: true) });

        using var result = explainer.Explain(input, ClassSelection.Top(1));

        Assert.Equal(ForwardPrecision.Float32, model.Precision);
        Assert.Equal(ScalarType.Float32, result.Logits.dtype);
    }
}
