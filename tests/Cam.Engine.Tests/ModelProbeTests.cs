using Cam.Contracts;
using Cam.Engine.Applicability;
using Cam.Engine.Packages;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>The model probe on a TorchScript ViT: which methods apply, the folded layer's shape, a measured rate.</summary>
public class ModelProbeTests
{
    [Fact]
    public void The_probe_of_a_scripted_vit_refuses_cam_for_its_token_output_lets_score_cam_and_grad_cam_apply_and_times_forwards()
    {
        using var package = ModelPackage.Load(ModernArchitectureTests.Modern("vit_scripted"));
        var probe = ModelProbe.Run(package,
            [new MethodSpec("cam"), new MethodSpec("scorecam"), new MethodSpec("gradcam"), new MethodSpec("iscam", NumSamples: 3)],
            [], 32, 32, measureRate: true, rateBudget: TimeSpan.FromMilliseconds(200));

        var verdicts = probe.Methods.ToDictionary(m => m.Method);
        Assert.False(verdicts["cam"].Applicable);
        Assert.Contains("class token", verdicts["cam"].Reason);
        Assert.True(verdicts["scorecam"].Applicable, verdicts["scorecam"].Reason);
        Assert.True(verdicts["gradcam"].Applicable, verdicts["gradcam"].Reason);
        Assert.Equal(3, verdicts["iscam"].Samples);

        // Oracle: the package's own forward, its token output folded into the patch grid.
        var layer = package.Manifest.Outputs[0].Name;
        using var pass = package.Classifier.Forward(zeros(1, 3, 32, 32), [layer]);
        var shape = Assert.Single(probe.Layers);
        Assert.Equal((layer, pass.Activations[0].shape[1], pass.Activations[0].shape[2], pass.Activations[0].shape[3]),
            (shape.Name, shape.Channels, shape.Height, shape.Width));
        Assert.True(probe.ForwardsPerSecond > 0);
        Assert.InRange(probe.ProbeBatch, 1, 64);
    }
}
