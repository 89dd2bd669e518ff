using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// Finer-CAM (Zhang et al., 2025), as pytorch-grad-cam's <c>finer_cam.py</c> with its defaults (Grad-CAM as the base,
/// α = 1, the three nearest classes): Grad-CAM of the contrastive score
/// s = Σ_j p_j·(y_c − α·y_j) / (Σ_j p_j + 1e-9) over the classes j whose logits are nearest y_c (the explained class
/// excluded), p = softmax(y). torchcam's FinerCAM differs: s = y_c − γ·mean_j y_j with γ = 0.6 (unweighted).
/// The <c>target</c> option does not apply: the score is the method's own.
/// </summary>
public sealed class FinerCam(double alpha = 1, int comparisons = 3) : GradientMethod
{
    public override string Name => MethodNames.FinerCam;
    public override IScoreFunction ScoreFunction { get; } = new FinerScore(alpha, comparisons);
    protected override Tensor LayerWeights(Tensor gradient, Tensor activation) => gradient.flatten(2).mean([-1L]);
}

/// <summary>Finer-CAM's contrastive score (<see cref="FinerCam"/>); the nearest classes are chosen on the detached logits.</summary>
public sealed record FinerScore(double Alpha, int Comparisons) : IScoreFunction
{
    public Tensor Score(Tensor logits, Tensor classColumn)
    {
        using var scope = NewDisposeScope();
        var count = (int)Math.Min(Comparisons, logits.shape[1] - 1);
        if (count < 1) throw new ArgumentException("Finer-CAM needs a model with at least two classes");
        var main = logits.gather(1, classColumn);
        Tensor nearest;
        using (no_grad())
        {
            var distance = (logits.detach() - main.detach()).abs();
            distance.scatter_(1, classColumn, torch.full(classColumn.shape, double.PositiveInfinity, distance.dtype, distance.device));
            nearest = distance.topk(count, dim: 1, largest: false).indexes;
        }
        var p = torch.softmax(logits, 1).gather(1, nearest);
        var numerator = (p * (main - logits.gather(1, nearest) * Alpha)).sum(1, keepdim: true);
        return (numerator / p.sum(1, keepdim: true).add(1e-9)).MoveToOuterDisposeScope();
    }
}
