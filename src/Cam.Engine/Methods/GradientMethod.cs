using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// The gradient family (Grad-CAM and its successors): one forward kept with its graph, one backward per class rank,
/// and per layer a weighting of the channels computed from the gradients and the activations. ReLU before normalising.
/// </summary>
public abstract class GradientMethod : CamMethod
{
    public override bool AppliesRelu => true;
    public override bool UsesScoreGradients => true;

    /// <summary>A layer's weights for one class rank from its gradient and activation, both (N, C, h, w): (N, C) or (N, C, h, w).</summary>
    protected abstract Tensor LayerWeights(Tensor gradient, Tensor activation);

    public override Tensor[] ComputeWeights(CamContext context) =>
        StackRanks(context, (gradients, k) => gradients.ForRank(k)
            .Select((gradient, layer) => LayerWeights(gradient, context.Activations[layer])).ToArray());

    /// <summary>
    /// The per-rank loop of the family: for each class rank k, <paramref name="rankValues"/>(gradients, k) gives one
    /// tensor per layer, (N, …); per layer, the ranks' tensors stacked on dimension 1: (N, K, …).
    /// </summary>
    protected Tensor[] StackRanks(CamContext context, Func<ScoreGradients, int, Tensor[]> rankValues)
    {
        var gradients = context.Gradients
            ?? throw new InvalidOperationException($"{Name} needs the gradients of the explained forward");
        var ranks = (int)context.Classes.shape[1];
        var perLayer = Enumerable.Range(0, context.Layers.Count).Select(_ => new Tensor[ranks]).ToArray();
        using var scope = NewDisposeScope();
        for (var k = 0; k < ranks; k++)
        {
            var values = rankValues(gradients, k);
            for (var layer = 0; layer < values.Length; layer++)
                perLayer[layer][k] = values[layer];
        }
        return perLayer.Select(ranked => torch.stack(ranked, 1).MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>Σ over the spatial dimensions: (N, C, h, w) → (N, C).</summary>
    protected static Tensor SpatialSum(Tensor t) => t.flatten(2).sum(-1);
}

/// <summary>Grad-CAM (Selvaraju et al., 2017): the spatial mean of the gradient weights each channel.</summary>
public sealed class GradCam : GradientMethod
{
    public override string Name => MethodNames.GradCam;
    protected override Tensor LayerWeights(Tensor gradient, Tensor activation) => gradient.flatten(2).mean([-1L]);
}

/// <summary>XGrad-CAM (Fu et al., 2020): Σ(g·A) / (ΣA + 1e-8) per channel.</summary>
public sealed class XGradCam : GradientMethod
{
    public override string Name => MethodNames.XGradCam;
    protected override Tensor LayerWeights(Tensor gradient, Tensor activation) =>
        SpatialSum(gradient * activation) / SpatialSum(activation).add(1e-8);
}

/// <summary>
/// Layer-CAM (Jiang et al., 2021): each position weighted by its own positive gradient, ReLU(g)·A summed over
/// channels; several layers are fused after scaling each normalised map by tanh(2·map) (the paper's equation 9).
/// </summary>
public sealed class LayerCam : GradientMethod
{
    public override string Name => MethodNames.LayerCam;
    protected override Tensor LayerWeights(Tensor gradient, Tensor activation) => gradient.relu();
    public override Tensor ScaleForFusion(Tensor maps) => maps.mul(2).tanh_();
}
