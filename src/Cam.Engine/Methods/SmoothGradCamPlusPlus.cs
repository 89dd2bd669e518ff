using Cam.Contracts;
using Cam.Engine.Chunking;

namespace Cam.Engine.Methods;

/// <summary>
/// Smooth Grad-CAM++ (Omeiza et al., 2019): Grad-CAM++ with its derivatives averaged over <c>numSamples</c> copies of
/// the input with Gaussian noise of deviation <c>std</c> added: α = ḡ² / (2ḡ² + Σ_ab A·ḡ³ + 1e-8) where ḡ² > 0, from the
/// mean second and third powers of the gradient, and weights Σ α·ReLU(ḡ) with ḡ the mean gradient. A is the clean
/// activation, which is also what the map combines. Noise is drawn per image from its item key, sample and seed, so a
/// result does not depend on the batch it was explained in. With std → 0 it is Grad-CAM++ as published. (torchcam
/// weights with the last sample's gradient and combines the last noisy activation; the convention does not change this
/// method.)
/// </summary>
public sealed class SmoothGradCamPlusPlus(int numSamples = SmoothGradCamPlusPlus.DefaultSamples,
    float std = SmoothGradCamPlusPlus.DefaultStd, long seed = 0)
    : CamMethod
{
    public const int DefaultSamples = 4;
    public const float DefaultStd = 0.3f;
    public override string Name => MethodNames.SmoothGradCamPlusPlus;
    public override bool AppliesRelu => true;
    public override bool Differentiates => true;
    public int NumSamples { get; } = numSamples >= 1 ? numSamples : throw new ArgumentException("Smooth Grad-CAM++ needs at least one sample");
    public float Std { get; } = float.IsFinite(std) && std >= 0 ? std
        : throw new ArgumentException("Smooth Grad-CAM++'s noise deviation must be finite and non-negative");
    public long Seed { get; } = seed;

    public override Tensor[] ComputeWeights(CamContext context)
    {
        var ranks = (int)context.Classes.shape[1];
        var layers = context.Layers.Count;
        using var scope = NewDisposeScope();
        // Per rank and layer: Σ g, Σ g², Σ g³ over the samples.
        var sums = new Tensor[ranks, layers, 3];
        for (var s = 0; s < NumSamples; s++)
        {
            using var sampleScope = NewDisposeScope();
            var noisy = context.Input + Noise(context, s);
            using var pass = context.Model.ForwardWithGraph(noisy, context.Layers);
            for (var k = 0; k < ranks; k++)
            {
                var gradients = ScoreGradients.Of(pass, context.Classes, k, ScoreFunction);
                for (var l = 0; l < layers; l++)
                {
                    var g = gradients[l];
                    Accumulate(sums, k, l, 0, g);
                    Accumulate(sums, k, l, 1, g.square());
                    Accumulate(sums, k, l, 2, g.pow(3));
                }
            }
        }
        var weights = new Tensor[layers];
        for (var l = 0; l < layers; l++)
        {
            var perRank = new Tensor[ranks];
            for (var k = 0; k < ranks; k++)
            {
                var (mean, squared, cubed) = (sums[k, l, 0] / NumSamples, sums[k, l, 1] / NumSamples, sums[k, l, 2] / NumSamples);
                var alpha = GradCamPlusPlus.Alpha(squared, cubed, context.Activations[l]);
                perRank[k] = (alpha * mean.relu()).flatten(2).sum(-1);
            }
            weights[l] = torch.stack(perRank, 1).MoveToOuterDisposeScope();
        }
        return weights;
    }

    private static void Accumulate(Tensor[,,] sums, int k, int l, int power, Tensor value)
    {
        var sum = sums[k, l, power];
        sums[k, l, power] = sum is null ? value.MoveToOuterDisposeScope() : sum.add_(value);
    }

    private Tensor Noise(CamContext context, int sample)
    {
        var shape = context.Input.shape.Skip(1).ToArray();
        var rows = new Tensor[context.Input.shape[0]];
        for (var n = 0; n < rows.Length; n++)
        {
            using var generator = new Generator(SeedMixer.Mix(Seed, sample, context.ItemKeys[n]), CPU);
            rows[n] = torch.randn(shape, generator: generator).mul_(Std);
        }
        return torch.stack(rows).to(context.Input.dtype, context.Input.device);
    }
}
