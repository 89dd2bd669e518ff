using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// Element-wise Grad-CAM, as pytorch-grad-cam's <c>grad_cam_elementwise.py</c>: map = Σ_k ReLU(G_k ⊙ A_k), then ReLU;
/// with eigen smoothing the first principal component of ReLU(G ⊙ A). That is <see cref="HiResCam"/> (weights G_k)
/// with each channel's product rectified before the sum.
/// </summary>
public sealed class GradCamElementWise : HiResCam
{
    public override string Name => MethodNames.GradCamElementWise;

    protected override Tensor WeightActivations(Tensor weights, Tensor activation) =>
        CamMaps.Weighted(weights, activation).relu_();
}
