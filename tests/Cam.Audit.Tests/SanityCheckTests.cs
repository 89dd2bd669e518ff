using Cam.Datasets;
using Cam.Engine;
using Cam.Engine.Methods;
using Cam.Engine.Models;
using Cam.Engine.Packages;
using Cam.Engine.Preprocessing;
using static TorchSharp.torch;

namespace Cam.Audit.Tests;

/// <summary>A method made blind to the head on purpose: every channel weighs the same, whatever the class and the classifier's weights.</summary>
internal sealed class UniformWeights : CamMethod
{
    public override string Name => "uniform";
    public override bool AppliesRelu => true;

    public override Tensor[] ComputeWeights(CamContext context) => context.Activations
        .Select(a => ones(context.Classes.shape[0], context.Classes.shape[1], a.shape[1], device: a.device)).ToArray();
}

public class SanityCheckTests
{
    [Fact]
    public void Spearman_matches_the_textbook_formula_without_ties_and_scipy_s_example_with_them()
    {
        var random = new Random(4);
        var a = Enumerable.Range(0, 50).Select(_ => random.NextSingle()).ToArray();
        var b = a.Select(v => v + 0.5f * random.NextSingle()).ToArray();
        double n = a.Length;
        var (ra, rb) = (Rank(a), Rank(b));
        var d2 = ra.Zip(rb, (x, y) => (x - y) * (x - y)).Sum();
        Assert.Equal(1 - 6 * d2 / (n * (n * n - 1)), RankCorrelation.Spearman(a, b), 9);
        // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]).correlation (the documentation's example; 7 is tied)
        Assert.Equal(0.8207826816681233, RankCorrelation.Spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 12);
        Assert.Equal(-1, RankCorrelation.Spearman([1, 2, 3], [9, 4, 1]), 12);
    }

    /// <summary>Ranks by counting: 1 + the values below, plus half of the other values equal to it.</summary>
    private static double[] Rank(float[] values) =>
        values.Select(v => 1 + values.Count(w => w < v) + (values.Count(w => w == v) - 1) / 2.0).ToArray();

    private static (ModelPackage Package, Tensor Input, List<int> Classes) DemoSample(int count)
    {
        var package = ModelPackage.Load(Path.Combine(Repository.Root, "samples", "shapes-model"));
        var manifest = File.ReadLines(Path.Combine(Repository.Root, "samples", "shapes", "manifest.csv")).Skip(1).Take(count)
            .Select(l => l.Split(',')).ToList();
        var images = manifest.Select(cells => ImageDecoder.Decode(Path.Combine(Repository.Root, "samples", "shapes", cells[0]))).ToList();
        var input = new Preprocessor(package.Manifest.Preprocess).Batch(images);
        return (package, input, manifest.Select(cells => package.ClassOf(cells[1])!.Value).ToList());
    }

    [Fact]
    public void With_the_head_randomised_a_method_blind_to_it_keeps_its_maps_and_CAM_s_correlation_equals_an_independent_computation()
    {
        var (package, input, classes) = DemoSample(12);
        using var _package = package;
        using var _input = input;
        var classifier = (ModuleClassifier)package.Classifier;
        var (fcName, fcWeight) = classifier.LinearWeights(null);
        using var trained = fcWeight.clone();
        using (var pass = classifier.Forward(input, ["features"]))
        {
            var report = SanityCheck.Run(classifier, [CamMethods.Create("cam"), new UniformWeights()], ["features"], input, classes, cascadeDepth: 1);

            Assert.Equal([fcName], report.Layers);
            var uniform = report.Methods.Single(m => m.Method == "uniform");
            Assert.True(uniform.Flagged, uniform.Message);
            Assert.Equal(1.0, uniform.FinalSpearman, 6);

            // CAM's figure recomputed here: Σ_k w_ck·A_k with the trained and with the randomised head, ranked by counting.
            var (_, randomised) = classifier.LinearWeights(null);
            Assert.False(randomised.allclose(trained));
            var activations = pass.Activations[0];
            double Correlation(int image)
            {
                var a = activations[image].flatten(1);
                var before = matmul(trained[classes[image]].unsqueeze(0), a).data<float>().ToArray();
                var after = matmul(randomised[classes[image]].unsqueeze(0), a).data<float>().ToArray();
                var (rb, ra) = (Rank(before), Rank(after));
                var (mb, ma) = (rb.Average(), ra.Average());
                var cov = rb.Zip(ra, (x, y) => (x - mb) * (y - ma)).Sum();
                return cov / Math.Sqrt(rb.Sum(x => (x - mb) * (x - mb)) * ra.Sum(y => (y - ma) * (y - ma)));
            }
            var expected = Enumerable.Range(0, classes.Count).Average(Correlation);
            Assert.Equal(expected, report.Steps.Single(s => s.Method == "cam").MeanSpearman, 4);
            Assert.True(expected < 0.9, $"CAM keeps {expected:F2} with a random head");
        }
    }

    [Fact]
    public void The_cascade_runs_from_the_head_down_and_flags_a_method_blind_to_it_but_none_of_the_demo_s_methods()
    {
        // Blind on purpose: uniform channel weights at an early layer, below every layer the cascade randomises.
        var (early, earlyInput, earlyClasses) = DemoSample(8);
        using (early)
        using (earlyInput)
        {
            var blind = SanityCheck.Run(early.Classifier, [new UniformWeights()], ["features.2"], earlyInput, earlyClasses, cascadeDepth: 3);
            var verdict = Assert.Single(blind.Methods);
            Assert.True(verdict.Flagged, verdict.Message);
            Assert.Equal(1.0, verdict.FinalSpearman, 6);
            Assert.Contains("do not depend on what the model learned", verdict.Message);
        }

        var (package, input, classes) = DemoSample(8);
        using var _package = package;
        using var _input = input;
        var report = SanityCheck.Run(package.Classifier, new[] { "cam", "scorecam", "gradcam" }.Select(m => CamMethods.Create(m)).ToList(),
            ["features"], input, classes,
            cascadeDepth: 3);

        // From the head down, in the order a forward pass runs the layers: fc, then the last block's batch norm and convolution.
        Assert.Equal(["fc", "features.16", "features.15"], report.Layers);
        // cam, scorecam, gradcam and the floor (randomcam) at each of the three steps
        Assert.Equal(12, report.Steps.Count);
        Assert.NotNull(report.Floor);
        Assert.DoesNotContain(report.Methods, m => m.Method == "randomcam");
        Assert.All(report.Methods, m => Assert.False(m.Flagged, m.Message));
    }
}
