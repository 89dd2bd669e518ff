using Cam.Contracts;
using Cam.Engine.Models;

namespace Cam.Engine.Methods;

/// <summary>
/// LeGrad (Bousselham et al., 2024), as torchcam HEAD's <c>LeGrad</c>, for vision transformers: each target block l
/// gets its own class score s^l = heads(ln(mean_t z^l_t)), z^l the block's output tokens and ln the encoder's final
/// norm (torchcam's score projection for torchvision's VisionTransformer), and A^l its attention probabilities
/// (N, heads, queries, keys). The block's relevance R^l = mean over heads and queries of ReLU(∂s^l_c / ∂A^l), its
/// prefix keys (the class token) dropped and the rest folded into the patch grid; map = mean over blocks of R^l,
/// normalised as torchcam (min-max, 1e-8). Attention values are not multiplied in; no ReLU is needed (every term is
/// at least 0).
/// <para>Target layers name blocks: a block (<c>encoder.layers.encoder_layer_i</c>) or any layer inside it stands for
/// the block, so a ViT's default target layer (the last block's <c>ln_1</c>) gives the last block; each block counts
/// once, and every target layer gets the same averaged map. One forward with the attention probabilities formed and
/// kept with the graph, then one backward per block and class rank. The score is the method's own: the
/// <c>target</c> option does not apply (torchcam's LeGrad takes no output target), nor eigen smoothing.
/// Built-in vision transformers only (<see cref="IAttentionBlocks"/>); a TorchScript graph returns no attention.</para>
/// </summary>
public sealed class LeGrad : CamMethod
{
    public override string Name => MethodNames.LeGrad;
    public override bool AppliesRelu => true;

    /// <summary>Its forward and backward passes run at the explainer's precision (scores and relevances in float32).</summary>
    public override bool Differentiates => true;

    public override void CheckApplies(IClassifier model)
    {
        if (BlocksOf(model) is null) throw new MethodNotApplicableException(ModelProblem(model));
    }

    /// <summary>Why LeGrad cannot explain the model on these layers, or null.</summary>
    public static string? Problem(IClassifier model, IReadOnlyList<string> layers)
    {
        if (BlocksOf(model) is not { } blocks) return ModelProblem(model);
        var outside = layers.FirstOrDefault(l => blocks.BlockOf(l) is null);
        return outside is null ? null
            : $"legrad explains the attention of encoder blocks: layer '{outside}' of {model.Name} is in none " +
              "(name a block, such as encoder.layers.encoder_layer_0, or a layer inside one)";
    }

    private static IAttentionBlocks? BlocksOf(IClassifier model) =>
        (model as ModuleClassifier)?.Module as IAttentionBlocks;

    private static string ModelProblem(IClassifier model) => model is ModuleClassifier
        ? $"legrad needs a vision transformer's attention blocks; {model.Name} has none " +
          "(the built-in vit_b_16 and vit_b_32 have)"
        : $"legrad needs every transformer block's attention probabilities; {model.Name} is a TorchScript graph " +
          "that returns only its named activations";

    public override Tensor[] ComputeMaps(CamContext context)
    {
        if (Problem(context.Model, context.Layers) is { } problem) throw new MethodNotApplicableException(problem);
        var model = (ModuleClassifier)context.Model;
        var attention = BlocksOf(model)!;
        var blocks = context.Layers.Select(l => attention.BlockOf(l)!).Distinct().ToList();
        var recorded = blocks.Concat(blocks.Select(attention.AttentionProbabilitiesOf)).ToList();
        var (height, width) = attention.PatchGrid;
        var (n, ranks) = (context.Input.shape[0], (int)context.Classes.shape[1]);
        using var scope = NewDisposeScope();
        var perRank = new Tensor[ranks];
        using (enable_grad())
        {
            using var pass = ForwardExposed(model, attention, context.Input, recorded);
            for (var k = 0; k < ranks; k++)
            {
                var sum = zeros([n, height * width], ScalarType.Float32, context.Input.device);
                for (var b = 0; b < blocks.Count; b++)
                {
                    using var blockScope = NewDisposeScope();
                    var probabilities = pass.Activations[blocks.Count + b];
                    var scores = attention.BlockScores(pass.Activations[b]).to(ScalarType.Float32);
                    var score = scores.gather(1, context.Classes[.., k..(k + 1)]).sum();
                    probabilities.grad = null;
                    torch.autograd.backward([score], retain_graph: true, inputs: [probabilities]);
                    var gradient = probabilities.grad ?? throw new InvalidOperationException(
                        $"the class score of block '{blocks[b]}' of {model.Name} does not depend on its attention");
                    probabilities.grad = null;
                    using var _ = no_grad();
                    var keys = gradient.relu().to(ScalarType.Float32).mean([1L, 2L]); // (N, keys)
                    var patches = keys.shape[1] - attention.PrefixTokens;
                    if (patches != height * width)
                        throw new InvalidOperationException($"{model.Name}'s attention has {patches} patch keys, " +
                            $"not the {height}×{width} patch grid");
                    sum.add_(keys.narrow(1, attention.PrefixTokens, patches));
                }
                perRank[k] = sum.div_(blocks.Count).reshape(n, height, width);
            }
        }
        var maps = torch.stack(perRank, 1);
        return context.Layers.Select(_ => maps.clone().MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>A forward kept with its graph recording the blocks' outputs and attention probabilities.</summary>
    private static ForwardPass ForwardExposed(ModuleClassifier model, IAttentionBlocks attention, Tensor input,
        IReadOnlyList<string> recorded)
    {
        using var exposed = attention.ExposeAttention();
        return model.ForwardWithGraph(input.detach(), recorded);
    }
}
