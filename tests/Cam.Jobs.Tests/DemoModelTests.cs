using Cam.Demo;
using Cam.Engine.Evaluation;
using Cam.Tests.Shared;

namespace Cam.Jobs.Tests;

public class DemoModelTests
{
    [Fact]
    public async Task The_bundled_demo_model_is_accurate_on_held_out_images_and_both_methods_point_inside_the_shape()
    {
        var folder = Directory.CreateTempSubdirectory("cam-heldout-").FullName;
        try
        {
            // A seed the training data never used: images the model has not seen. The figures on 500 such images are in
            // docs/demo.md; this small set re-checks the goals themselves.
            new ShapesGenerator(size: 128, seed: 4242).Write(folder, 60);
            var report = await ModelEvaluator.EvaluateAsync(Path.Combine(folder, "manifest.csv"),
                Path.Combine(RepositoryRoot.Path, "samples", "shapes-model"), ["cam", "scorecam"]);
            Assert.Equal(60, report.Labelled);
            Assert.True(report.Accuracy >= 0.95, $"accuracy {report.Accuracy:P1}");
            foreach (var method in new[] { "cam", "scorecam" })
            {
                Assert.Equal(60, report.Methods[method].ItemsWithBoxes);
                var pointing = report.Methods[method].PointingGame!.Value;
                Assert.True(pointing >= 0.9, $"{method}: pointing game {pointing:P1}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
