using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// ShapleyCAM (Cai, 2025), as pytorch-grad-cam's <c>shapley_cam.py</c>: channel k weighs w_k = mean over positions of
/// G_k − ½·(H·A)_k, with H·A the Hessian-vector product of the class score with respect to the activations
/// (<see cref="ScoreGradients.SecondOrder"/>); map = Σ_k w_k·A_k, then ReLU. Behind a linear head (global pooling and a
/// fully connected layer) H·A is zero and the logit target gives Grad-CAM; its authors use the ReST target
/// (<c>--target rest</c>). Needs second-order gradients: a model whose graph has none is refused by the probe.
/// </summary>
public sealed class ShapleyCam : GradientMethod
{
    public override string Name => MethodNames.ShapleyCam;
    protected override Tensor LayerWeights(Tensor gradient, Tensor activation) => gradient.flatten(2).mean([-1L]);

    public override Tensor[] ComputeWeights(CamContext context)
    {
        var gradients = context.Gradients ?? throw new InvalidOperationException($"{Name} needs the gradients of the explained forward");
        var ranks = (int)context.Classes.shape[1];
        var perLayer = Enumerable.Range(0, context.Layers.Count).Select(_ => new Tensor[ranks]).ToArray();
        using var scope = NewDisposeScope();
        for (var k = 0; k < ranks; k++)
        {
            var (g, hessianProduct) = gradients.SecondOrder(k);
            for (var layer = 0; layer < g.Length; layer++)
                perLayer[layer][k] = (g[layer] - hessianProduct[layer] * 0.5).flatten(2).mean([-1L]);
        }
        return perLayer.Select(ranked => torch.stack(ranked, 1).MoveToOuterDisposeScope()).ToArray();
    }
}
