using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// FEM, the Feature Explanation Method (Fuad et al., 2020), as pytorch-grad-cam's <c>fem.py</c>: channel k weighs
/// w_k = the share of positions where A_k &gt; mean(A_k) + k·std(A_k) (k = 2, population deviation), map = Σ_k w_k·A_k,
/// then ReLU. Class-agnostic; no gradients; no eigen smoothing (pytorch-grad-cam offers none for it).
/// </summary>
public sealed class FeatureExplanationMethod(double k = 2) : CamMethod
{
    public override string Name => MethodNames.Fem;
    public override bool AppliesRelu => true;
    public double K { get; } = k;

    public override Tensor[] ComputeWeights(CamContext context) =>
        EachLayer(context, (a, _) =>
        {
            var flat = a.flatten(2);
            var threshold = flat.mean([-1L], keepdim: true) + flat.std(-1, unbiased: false, keepdim: true) * K;
            return RepeatOverRanks((flat > threshold).to(a.dtype).mean([-1L]), context);
        });
}
