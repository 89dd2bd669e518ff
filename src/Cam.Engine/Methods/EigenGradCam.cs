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

    public override Tensor[] ComputeMaps(CamContext context)
    {
        var gradients = context.Gradients ?? throw new InvalidOperationException($"{Name} needs the gradients of the explained forward");
        var ranks = (int)context.Classes.shape[1];
        var perLayer = Enumerable.Range(0, context.Layers.Count).Select(_ => new Tensor[ranks]).ToArray();
        using var scope = NewDisposeScope();
        for (var k = 0; k < ranks; k++)
        {
            var rankGradients = gradients.ForRank(k);
            for (var layer = 0; layer < rankGradients.Length; layer++)
                perLayer[layer][k] = CamMaps.PrincipalProjection(rankGradients[layer] * context.Activations[layer]);
        }
        return perLayer.Select(ranked => torch.stack(ranked, 1).MoveToOuterDisposeScope()).ToArray();
    }
}
