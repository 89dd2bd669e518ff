using Cam.Contracts;
using static TorchSharp.torch;

namespace Cam.Engine.Methods;

/// <summary>
/// Element-wise Grad-CAM, as pytorch-grad-cam's <c>grad_cam_elementwise.py</c>: map = Σ_k ReLU(G_k ⊙ A_k), then ReLU;
/// with eigen smoothing the first principal component of ReLU(G ⊙ A).
/// </summary>
public sealed class GradCamElementWise : GradientMethod
{
    public override string Name => MethodNames.GradCamElementWise;
    protected override Tensor LayerWeights(Tensor gradient, Tensor activation) => gradient.clone();
    protected override Tensor WeightActivations(Tensor weights, Tensor activation) => CamMaps.Weighted(weights, activation).relu_();
}
