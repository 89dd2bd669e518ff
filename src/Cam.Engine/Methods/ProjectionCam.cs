using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// The class-agnostic projections (Eigen-CAM, KPCA-CAM): per image and layer, map = ReLU(<see cref="Project"/>(A)),
/// the activations (positions × channels, centred per channel) projected on their first component; every requested
/// class rank gets the same map. No gradients.
/// </summary>
public abstract class ProjectionCam : CamMethod
{
    public override bool AppliesRelu => true;

    /// <summary>One layer's activations (N, C, h, w) projected on their first component: (N, h, w).</summary>
    protected abstract Tensor Project(Tensor activations);

    /// <summary>Per layer, <see cref="Project"/> of its activations, repeated over the class ranks: (N, ranks, h, w).
    /// </summary>
    public sealed override Tensor[] ComputeMaps(CamContext context) =>
        EachLayer(context, (a, _) => RepeatOverRanks(Project(a), context));
}

/// <summary>
/// Eigen-CAM (Muhammad and Yeasin, 2020), as pytorch-grad-cam's <c>eigen_cam.py</c>: per image, the projection of the
/// activations (positions × channels, centred per channel) on their first principal component
/// (<see cref="CamMaps.PrincipalProjection"/>, whose sign rule is documented there), then ReLU. Class-agnostic: every
/// requested class gets the same map (<see cref="ProjectionCam"/>). No gradients.
/// </summary>
public sealed class EigenCam : ProjectionCam
{
    public override string Name => MethodNames.EigenCam;
    protected override Tensor Project(Tensor activations) => CamMaps.PrincipalProjection(activations);
}

/// <summary>
/// KPCA-CAM (Karmani et al., 2024), as pytorch-grad-cam's <c>kpca_cam.py</c> with its defaults: per image, the first
/// kernel-PCA component of the centred activations with the sigmoid kernel tanh(γ·xᵢ·xⱼ + 1), γ = 1/channels
/// (<see cref="CamMaps.KernelProjection"/>; sign rule as Eigen-CAM's), then ReLU. Class-agnostic
/// (<see cref="ProjectionCam"/>); no gradients.
/// </summary>
public sealed class KernelPcaCam : ProjectionCam
{
    public override string Name => MethodNames.KpcaCam;
    protected override Tensor Project(Tensor activations) => CamMaps.KernelProjection(activations);
}
