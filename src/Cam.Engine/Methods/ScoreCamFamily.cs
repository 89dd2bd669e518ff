using Cam.Contracts;
using Cam.Engine.Chunking;

namespace Cam.Engine.Methods;

/// <summary>
/// Score-CAM and its variants: each channel, min-max normalised and upsampled to the input size, masks the input;
/// the class logit of the masked input minus that of the input, softmaxed over channels, weights the channel.
/// All the requested classes of an image are served by the same masked forwards.
/// </summary>
public abstract class ScoreCamFamily : CamMethod
{
    public override bool AppliesRelu => true;
    public override bool UsesMaskedForwards => true;

    /// <summary>How the masked inputs are sampled: count, scale of each sample, noise.</summary>
    private protected abstract MaskSampling Sampling { get; }

    public override Tensor[] ComputeWeights(CamContext context)
    {
        var weights = new Tensor[context.Activations.Count];
        try
        {
            for (var layer = 0; layer < context.Activations.Count; layer++)
            {
                using var scope = NewDisposeScope();
                var masks = CamMaps.NormalizeInPlace(context.Activations[layer].clone());
                // (N, C, classes): the mean logits of each channel's masked inputs
                var maskedLogits = context.Runner.MeanMaskedLogits(masks, Sampling, layer, context.ItemKeys);
                var (n, c) = (masks.shape[0], masks.shape[1]);
                var k = context.Classes.shape[1];
                // Gather the requested classes: (N, C, K), minus the unmasked logits of those classes (N, 1, K).
                var index = context.Classes.unsqueeze(1).expand(n, c, k);
                var masked = maskedLogits.gather(2, index);
                var baseline = context.Logits.gather(1, context.Classes).unsqueeze(1);
                var increase = masked - baseline;
                weights[layer] = torch.softmax(increase, dim: 1).permute(0, 2, 1).contiguous().MoveToOuterDisposeScope();
            }
            return weights;
        }
        catch
        {
            foreach (var w in weights) w?.Dispose();
            throw;
        }
    }
}

/// <summary>Score-CAM (Wang et al., 2020).</summary>
public sealed class ScoreCam : ScoreCamFamily
{
    public override string Name => MethodNames.ScoreCam;
    private protected override MaskSampling Sampling => MaskSampling.Single;
}

/// <summary>
/// SS-CAM (Wang et al., 2020): Gaussian noise of deviation <c>std</c> added to each upsampled mask, averaged over
/// samples; drawn per image from its item key, so a result does not depend on the batch it was explained in.
/// </summary>
public sealed class SmoothScoreCam(int numSamples = SmoothScoreCam.DefaultSamples, float std = SmoothScoreCam.DefaultStd,
    long seed = 0) : ScoreCamFamily
{
    public const int DefaultSamples = 35;
    public const float DefaultStd = 2.0f;
    public override string Name => MethodNames.SmoothScoreCam;
    public int NumSamples { get; } = numSamples >= 1 ? numSamples : throw new ArgumentException("SS-CAM needs at least one sample");
    public float Std { get; } = std >= 0 ? std : throw new ArgumentException("SS-CAM's noise deviation cannot be negative");
    public long Seed { get; } = seed;
    private protected override MaskSampling Sampling => MaskSampling.Noisy(NumSamples, Std, Seed);
}

/// <summary>
/// IS-CAM (Naidu et al., 2020): the masked input scaled progressively, averaged over samples. As in the reference,
/// the i-th of S samples is scaled by Σ_{j≤i} j/S = i(i+1)/(2S).
/// </summary>
public sealed class IntegratedScoreCam(int numSamples = IntegratedScoreCam.DefaultSamples) : ScoreCamFamily
{
    public const int DefaultSamples = 10;
    public override string Name => MethodNames.IntegratedScoreCam;
    public int NumSamples { get; } = numSamples >= 1 ? numSamples : throw new ArgumentException("IS-CAM needs at least one sample");
    private protected override MaskSampling Sampling => MaskSampling.Integrated(NumSamples);
}
