using Cam.Contracts;
using Cam.Engine.Applicability;
using Cam.Engine.Methods;
using Cam.Engine.Packages;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>Ablation-CAM, FullGrad and RefineCAM through the applicability probe and the explainer's checks.</summary>
public class ProbeOfNewMethodsTests
{
    private static string Package(string kind) => Path.Combine(Fixtures.Dir, "..", "torchscript", kind);

    private static readonly MethodSpec[] Methods = [new("ablationcam"), new("fullgrad"), new("refinecam"), new("gradcam")];

    [Fact]
    public void the_probe_refuses_ablation_cam_and_fullgrad_by_name_for_a_torchscript_package_and_lets_gradcam_apply()
    {
        using var package = ModelPackage.Load(Package("scripted"));
        var verdicts = ModelProbe.Run(package, Methods, ["features"], 64, 64, measureRate: false).Methods.ToDictionary(m => m.Method);
        Assert.True(verdicts["gradcam"].Applicable, verdicts["gradcam"].Reason);
        Assert.False(verdicts["ablationcam"].Applicable);
        Assert.Contains("TorchScript", verdicts["ablationcam"].Reason);
        Assert.False(verdicts["fullgrad"].Applicable);
        Assert.Contains("TorchScript", verdicts["fullgrad"].Reason);
        // one target layer: refinecam multiplies several
        Assert.False(verdicts["refinecam"].Applicable);
        Assert.Contains("at least two", verdicts["refinecam"].Reason);
    }

    [Fact]
    public void on_a_builtin_package_every_new_method_applies_and_ablation_cam_forwards_each_channel_where_no_pooled_linear_head_follows()
    {
        using var package = ModelPackage.Load(Package("builtin"));
        var layers = package.Classifier.LayerNames.Where(l => l.StartsWith("features.", StringComparison.Ordinal)
            && l.IndexOf('.', 9) < 0).Take(2).ToList();
        Assert.Equal(2, layers.Count);
        var verdicts = ModelProbe.Run(package, Methods, layers, 64, 64, measureRate: false).Methods.ToDictionary(m => m.Method);
        Assert.All(verdicts.Values, v => Assert.True(v.Applicable, $"{v.Method}: {v.Reason}"));
        Assert.Equal(1, verdicts["ablationcam"].Samples);
    }

    [Fact]
    public void fullgrad_maps_have_the_inputs_resolution_and_refinecam_fuses_by_the_product_of_its_layers()
    {
        using var model = Fixtures.ResNet18();
        var input = DeterministicWeights.Image("new.methods", [2, 3, 64, 80]);
        using var full = new CamExplainer(model, CamMethods.Create("fullgrad"), ["layer4"]).Explain(input, ClassSelection.ForBatch(2));
        Assert.Equal([2L, 1, 64, 80], full.Maps[0].shape);
        using var refined = new CamExplainer(model, CamMethods.Create("refinecam"), ["layer3", "layer4"]).Explain(input, ClassSelection.ForBatch(2));
        // oracle: the product of the two normalised maps, layer4's resized to layer3's size, normalised again
        var up = nn.functional.interpolate(refined.Maps[1], [4, 5], mode: InterpolationMode.Bilinear, align_corners: false);
        var product = CamMaps.NormalizeInPlace(refined.Maps[0] * CamMaps.NormalizeInPlace(up));
        Tolerance.Absolute(product, refined.Fused!, 1e-5, "refinecam's fused map");
        Assert.Throws<ArgumentException>(() => new CamExplainer(model, CamMethods.Create("refinecam"), ["layer4"]));
    }
}
