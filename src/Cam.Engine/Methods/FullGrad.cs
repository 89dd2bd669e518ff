using Cam.Contracts;
using Cam.Engine.Models;
using Cam.Engine.Precision;

namespace Cam.Engine.Methods;

/// <summary>
/// FullGrad (Srinivas and Fleuret, 2019), as pytorch-grad-cam's <c>fullgrad_cam.py</c>, at the input's resolution
/// whatever the target layers: with s the class score, x the input and, for every 2-D convolution with a bias and every
/// batch norm (its bias in evaluation: b − μ·γ/√(σ² + ε)), b_l its bias and g_l = ∂s/∂(its output),
/// map = Σ_c S(|x ⊙ ∂s/∂x|_c) + Σ_l up(Σ_c S(|b_l,c · g_l,c|)), where S scales each image's channel to [0, 1]
/// ((m − min) / (max + 1e-7), pytorch-grad-cam's <c>scale_accross_batch_and_channels</c>) and up resizes bilinearly to
/// the input's size (the channel sum is taken before resizing, which linear interpolation commutes with). Normalised
/// maps are scaled as pytorch-grad-cam's <c>aggregate_multi_layers</c> does, (m − min) / (max − min + 1e-7): with a
/// softmax target every term is tiny and that 1e-7 keeps the map's maximum well below 1, as in pgc.
/// One forward kept with its graph (the input requiring gradients, every bias layer recorded) and one backward per
/// class. Needs the modules themselves: a TorchScript package, which returns only its named activations, is refused.
/// Eigen smoothing as pytorch-grad-cam's: the terms (the input's three channels and one map per bias layer) projected
/// on their first principal component at an eighth of the input's size (<see cref="EigenSmoothed"/>).
/// At a reduced precision (<see cref="CamMethod.Differentiates"/>) the forward and the backward run in it on the cast
/// copy, the input's gradient arrives in float32 (the cast is part of the graph), and the bias layers' gradients and
/// the terms are taken in float32.
/// </summary>
public sealed class FullGrad : CamMethod
{
    private const double Eps = 1e-7;

    public override string Name => MethodNames.FullGrad;
    public override bool AppliesRelu => true;
    public override bool Differentiates => true;

    public override void CheckApplies(IClassifier model)
    {
        if (model is not ModuleClassifier) throw new MethodNotApplicableException(Problem(model)!);
    }

    /// <summary>Why FullGrad cannot explain the model, or null.</summary>
    public static string? Problem(IClassifier model) => model is ModuleClassifier classifier
        ? classifier.BiasLayers().Count == 0 ? $"{model.Name} has no convolution or batch norm with a bias" : null
        : $"fullgrad needs the gradient at the output of every convolution and batch norm with a bias; {model.Name} is a TorchScript graph that " +
            "returns only its named activations";

    public override Tensor[] ComputeMaps(CamContext context)
    {
        var model = context.Model as ModuleClassifier ?? throw new MethodNotApplicableException(Problem(context.Model)!);
        var biases = model.BiasLayers();
        using var scope = NewDisposeScope();
        var size = context.Input.shape[2..];
        var ranks = (int)context.Classes.shape[1];
        var x = context.Input.detach().to(ScalarType.Float32).clone().requires_grad_(true);
        using var pass = model.ForwardWithGraph(x, biases.Select(b => b.Name).ToList());
        var perRank = new Tensor[ranks];
        using (enable_grad())
        {
            for (var k = 0; k < ranks; k++)
            {
                var score = ScoreFunction.Score(pass.Logits, context.Classes[.., k..(k + 1)]).sum();
                x.grad = null;
                foreach (var a in pass.Activations) a.grad = null;
                torch.autograd.backward([score], retain_graph: k < ranks - 1, inputs: [x, .. pass.Activations]);
                using var _ = no_grad();
                var terms = new List<Tensor> { ChannelScaled((x * x.grad!).abs()) };
                for (var l = 0; l < biases.Count; l++)
                {
                    if (pass.Activations[l].grad is not { } layerGradient) continue; // a bias layer the class score does not depend on
                    var gradient = PrecisionCast.Float32(layerGradient);
                    var bias = biases[l].Bias.to(gradient.dtype).reshape(1, -1, 1, 1);
                    var term = ChannelScaled((bias * gradient).abs()).sum(1, keepdim: true);
                    terms.Add(Resized(term, size).to(ScalarType.Float32));
                }
                var map = EigenSmooth ? EigenSmoothed(torch.cat(terms, 1), size) : torch.cat(terms, 1).sum(1);
                perRank[k] = map.detach();
            }
        }
        var maps = torch.stack(perRank, 1);
        return context.Layers.Select(_ => maps.clone().MoveToOuterDisposeScope()).ToArray();
    }

    public override void NormalizeInPlace(Tensor maps) => CamMaps.NormalizeInPlace(maps, eps: Eps);

    /// <summary>
    /// pytorch-grad-cam's eigen smoothing of FullGrad: its terms (N, T, H, W) each scaled and resized to an eighth of
    /// the input (bilinear), projected on their first principal component (<see cref="CamMaps.PrincipalProjection"/>,
    /// its sign rule), scaled again and resized back to (H, W): (N, H, W).
    /// </summary>
    private static Tensor EigenSmoothed(Tensor terms, long[] size)
    {
        using var scope = NewDisposeScope();
        var eighth = new[] { size[0] / 8, size[1] / 8 };
        if (eighth[0] < 1 || eighth[1] < 1)
            throw new ArgumentException(
                $"fullgrad's eigen smoothing works at an eighth of the input, and {size[0]}×{size[1]} is too small");
        var small = Resized(ChannelScaled(terms), eighth);
        var projection = ChannelScaled(CamMaps.PrincipalProjection(small).unsqueeze(1));
        return Resized(projection, size).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>(N, C, h, w) resized bilinearly (half-pixel centres, as OpenCV's <c>cv2.resize</c>).</summary>
    private static Tensor Resized(Tensor t, long[] size) =>
        nn.functional.interpolate(t, size, mode: InterpolationMode.Bilinear, align_corners: false);

    /// <summary>Each (image, channel) of (N, C, h, w) scaled to [0, 1]: (m − min) / (max − min + 1e-7).</summary>
    private static Tensor ChannelScaled(Tensor t)
    {
        var flat = t.flatten(2);
        var shifted = flat - flat.amin([-1L], keepdim: true);
        return (shifted / (shifted.amax([-1L], keepdim: true) + Eps)).view_as(t);
    }
}
