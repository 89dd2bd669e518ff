using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// HiResCAM (Draelos and Carin, 2020), as pytorch-grad-cam's <c>hirescam.py</c>: the gradient weights every position
/// of every channel, no pooling: map = Σ_k G_k ⊙ A_k, then ReLU.
/// </summary>
public class HiResCam : GradientMethod
{
    public override string Name => MethodNames.HiResCam;
    protected override Tensor LayerWeights(Tensor gradient, Tensor activation) => gradient.clone();
}
