using Cam.Contracts;
using Cam.Engine.Chunking;

namespace Cam.Engine.Methods;

/// <summary>
/// Random-CAM, as pytorch-grad-cam's <c>random_cam.py</c>: channel weights drawn uniformly from [−1, 1), map = Σ_k w_k·A_k,
/// then ReLU — a null baseline that any method worth using must beat. Drawn per image from its item key, class rank and
/// the seed, so a map does not depend on the batch it was explained in. No gradients (pytorch-grad-cam computes and
/// ignores them).
/// </summary>
public sealed class RandomCam(long seed = 0) : CamMethod
{
    public override string Name => MethodNames.RandomCam;
    public override bool AppliesRelu => true;
    public long Seed { get; } = seed;

    public override Tensor[] ComputeWeights(CamContext context)
    {
        var ranks = (int)context.Classes.shape[1];
        return EachLayer(context, (a, layer) =>
        {
            var rows = new Tensor[a.shape[0]];
            for (var n = 0; n < rows.Length; n++)
            {
                using var generator = new Generator(SeedMixer.Mix(Seed, context.ItemKeys[n], layer), CPU);
                rows[n] = torch.rand([ranks, a.shape[1]], generator: generator).mul_(2).sub_(1);
            }
            return torch.stack(rows).to(a.dtype, a.device);
        });
    }
}
