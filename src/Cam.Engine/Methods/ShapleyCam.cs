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

    public override Tensor[] ComputeWeights(CamContext context) =>
        StackRanks(context, (gradients, k) =>
        {
            var (g, hessianProducts) = gradients.SecondOrder(k);
            return g.Select((gradient, layer) => (gradient - hessianProducts[layer] * 0.5).flatten(2).mean([-1L]))
                .ToArray();
        });
}
