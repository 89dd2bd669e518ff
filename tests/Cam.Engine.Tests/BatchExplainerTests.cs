using Cam.Engine.Batches;
using Cam.Engine.Methods;
using Cam.Engine.Metrics;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>The batch explainer's bookkeeping, on <see cref="SmallNet"/> (what it pins holds for any network).</summary>
public class BatchExplainerTests
{
    private static Tensor Input() => SmallNet.Input();

    [Fact]
    public void One_result_per_image_method_layer_and_class_with_its_summary()
    {
        using var model = SmallNet.Create();
        using var input = Input();
        var results = new BatchExplainer(model).Explain(input, new BatchRequest
        {
            Methods = [new ClassActivationMap(), new ScoreCam()],
            Layers = [SmallNet.Last],
            Classes = ClassSelection.Top(2),
        });
        Assert.Equal(2 * 2 * 2, results.Count);
        Assert.Equal(8, results.Select(r => (r.ImageIndex, r.Method, r.Layer, r.ClassIndex)).Distinct().Count());

        using var direct = new CamExplainer(model, new ScoreCam(), [SmallNet.Last]).Explain(input, ClassSelection.Top(2));
        using var probabilities = direct.Logits.softmax(1);
        foreach (var r in results.Where(r => r.Method == "scorecam"))
        {
            Assert.Equal(direct.Classes[r.ImageIndex, r.Rank], r.ClassIndex);
            var expected = direct.Maps[0][r.ImageIndex, r.Rank].data<float>().ToArray();
            Assert.Equal(expected.Length, r.Map.Length);
            for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], r.Map[i], 5);
            var peak = Array.IndexOf(r.Map, r.Map.Max());
            Assert.Equal((peak / r.Width, peak % r.Width), (r.PeakY, r.PeakX));
            Assert.Equal(r.Map.Where(v => v > 0).Sum() / r.Map.Length, r.Energy, 5);
            Assert.Equal(probabilities[r.ImageIndex, r.ClassIndex].item<float>(), r.Probability, 5);
            Assert.Equal(direct.Logits[r.ImageIndex, r.ClassIndex].item<float>(), r.Score, 4);
        }
    }

    [Fact]
    public void Several_layers_add_a_fused_map_and_metrics_when_asked()
    {
        using var model = SmallNet.Create();
        using var input = Input();
        var results = new BatchExplainer(model).Explain(input[..1], new BatchRequest
        {
            Methods = [new IntegratedScoreCam(1)],
            Layers = [SmallNet.Middle, SmallNet.Last],
            Classes = ClassSelection.ForBatch(2),
            ComputeMetrics = true,
            CurveSteps = 4,
            Boxes = [[new PixelBox(0, 0, 32, 32)]],
        });
        Assert.Equal(["features", "features.10", "fused"], results.Select(r => r.Layer).Order().ToArray());
        var fused = results.Single(r => r.Layer == "fused");
        Assert.Equal((8, 8), (fused.Height, fused.Width));
        Assert.All(results, r =>
        {
            Assert.NotNull(r.Metrics);
            Assert.InRange(r.Metrics!.AverageDrop, 0f, 1f);
            Assert.NotNull(r.Metrics.PointingHit);
            Assert.InRange(r.Metrics.EnergyInBox!.Value, 0f, 1f);
        });
    }
}
