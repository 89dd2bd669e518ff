using Cam.Contracts;
using static TorchSharp.torch;

namespace Cam.Engine.Methods;

/// <summary>
/// KPCA-CAM (Karmani et al., 2024), as pytorch-grad-cam's <c>kpca_cam.py</c> with its defaults: per image, the first
/// kernel-PCA component of the centred activations with the sigmoid kernel tanh(γ·xᵢ·xⱼ + 1), γ = 1/channels
/// (<see cref="CamMaps.KernelProjection"/>; sign rule as Eigen-CAM's), then ReLU. Class-agnostic; no gradients.
/// </summary>
public sealed class KernelPcaCam : CamMethod
{
    public override string Name => MethodNames.KpcaCam;
    public override bool AppliesRelu => true;

    public override Tensor[] ComputeMaps(CamContext context)
    {
        var ranks = context.Classes.shape[1];
        return context.Activations.Select(a =>
        {
            using var scope = NewDisposeScope();
            var map = CamMaps.KernelProjection(a).unsqueeze(1);
            return map.expand(map.shape[0], ranks, map.shape[2], map.shape[3]).contiguous().MoveToOuterDisposeScope();
        }).ToArray();
    }
}
