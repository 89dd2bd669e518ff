using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// Grad-CAM++ (Chattopadhyay et al., 2018): weights Σ_ij α_ij·ReLU(g_ij). With the <see cref="MethodConvention.Paper"/>
/// convention (and pytorch-grad-cam), α = g² / (2g² + Σ_ab A·g³ + 1e-8) where g² > 0, else 0. With
/// <see cref="MethodConvention.Torchcam"/>, α = g²: torchcam's code divides a copy made by boolean indexing, so its
/// denominator is never applied. With <see cref="MethodConvention.Pgc"/>, pytorch-grad-cam 1.5.5's code:
/// α = g² / (2g² + (Σ_ab A)·g³ + 1e-6) where g ≠ 0, else 0 (the sum of the activations times g³ at each position).
/// </summary>
public sealed class GradCamPlusPlus(MethodConvention convention = MethodConvention.Paper) : GradientMethod
{
    public override string Name => MethodNames.GradCamPlusPlus;
    public MethodConvention Convention { get; } = convention;

    protected override Tensor LayerWeights(Tensor gradient, Tensor activation) => Weights(gradient, activation);

    /// <summary>The weights of one class rank (also RefineCAM's base).</summary>
    internal Tensor Weights(Tensor gradient, Tensor activation)
    {
        var squared = gradient.square();
        var alpha = Convention switch
        {
            MethodConvention.Torchcam => squared,
            MethodConvention.Pgc => PgcAlpha(gradient, activation),
            _ => Alpha(squared, squared * gradient, activation),
        };
        return SpatialSum(alpha * gradient.relu());
    }

    /// <summary>pytorch-grad-cam's α = g² / (2g² + (Σ_ab A)·g³ + 1e-6) where g ≠ 0, else 0.</summary>
    private static Tensor PgcAlpha(Tensor gradient, Tensor activation)
    {
        var squared = gradient.square();
        var denominator = squared * 2 + SpatialSum(activation).unsqueeze(-1).unsqueeze(-1) * squared * gradient;
        return torch.where(gradient != 0, squared / denominator.add(1e-6), torch.zeros_like(squared));
    }

    /// <summary>α = g² / (2g² + Σ_ab A·g³ + 1e-8) where g² > 0, else 0; from (averaged) second and third powers of the gradient.</summary>
    internal static Tensor Alpha(Tensor squared, Tensor cubed, Tensor activation)
    {
        var denominator = squared * 2 + SpatialSum(cubed * activation).unsqueeze(-1).unsqueeze(-1);
        return torch.where(squared > 0, squared / denominator.add(1e-8), torch.zeros_like(squared));
    }
}
