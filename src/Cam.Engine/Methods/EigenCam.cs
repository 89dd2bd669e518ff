using Cam.Contracts;
using static TorchSharp.torch;

namespace Cam.Engine.Methods;

/// <summary>
/// Eigen-CAM (Muhammad and Yeasin, 2020), as pytorch-grad-cam's <c>eigen_cam.py</c>: per image, the projection of the
/// activations (positions × channels, centred per channel) on their first principal component
/// (<see cref="CamMaps.PrincipalProjection"/>, whose sign rule is documented there), then ReLU. Class-agnostic: every
/// requested class gets the same map. No gradients.
/// </summary>
public sealed class EigenCam : CamMethod
{
    public override string Name => MethodNames.EigenCam;
    public override bool AppliesRelu => true;

    public override Tensor[] ComputeMaps(CamContext context)
    {
        var ranks = context.Classes.shape[1];
        return context.Activations.Select(a =>
        {
            using var scope = NewDisposeScope();
            var map = CamMaps.PrincipalProjection(a).unsqueeze(1);
            return map.expand(map.shape[0], ranks, map.shape[2], map.shape[3]).contiguous().MoveToOuterDisposeScope();
        }).ToArray();
    }
}
