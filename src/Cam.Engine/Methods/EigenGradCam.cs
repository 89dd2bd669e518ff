using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// Eigen-Grad-CAM, as pytorch-grad-cam's <c>eigen_grad_cam.py</c>: per image and class, the projection of G ⊙ A
/// (positions × channels, centred per channel) on its first principal component (<see cref="CamMaps.PrincipalProjection"/>,
/// sign rule there), then ReLU.
/// </summary>
public sealed class EigenGradCam : GradientMethod
{
    public override string Name => MethodNames.EigenGradCam;
    protected override Tensor LayerWeights(Tensor gradient, Tensor activation) => gradient.clone();

    public override Tensor[] ComputeMaps(CamContext context) =>
        StackRanks(context, (gradients, k) => gradients.ForRank(k)
            .Select((gradient, layer) => CamMaps.PrincipalProjection(gradient * context.Activations[layer])).ToArray());
}
