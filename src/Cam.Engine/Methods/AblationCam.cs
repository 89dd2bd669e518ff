using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// Ablation-CAM (Desai and Ramaswamy, 2020), as pytorch-grad-cam's <c>ablation_cam.py</c> with <c>ablation_layer.py</c>:
/// channel k weighs w_k = (s_c − s_c^(k)) / s_c, s_c the class score and s_c^(k) the score with channel k of the
/// target layer set to the ablation value v everywhere; map = Σ_k w_k·A_k, then ReLU. The score is the
/// <c>target</c>'s, as pytorch-grad-cam applies its target to the ablated outputs: the logit y_c (the default), the
/// softmax probability or ReST, each taken of the ablated copy's logits.
/// <para>v, as pytorch-grad-cam: 0 when the image's activation has minimum 0 (after a ReLU, the usual case), otherwise
/// min(A) − 10⁷. pytorch-grad-cam takes that minimum over its chunk of copies as it ablates them one after the other,
/// so the i-th copy of a chunk of 32 gets min(A) − (i+1)·10⁷; here every channel gets min(A) − 10⁷, so that a weight
/// does not depend on chunking (the maps differ from pytorch-grad-cam's only for layers whose minimum is not 0).</para>
/// <para>Only what follows the layer runs (<see cref="LayerTail"/>), the C ablated copies of an image batched in
/// chunks planned from the memory budget like Score-CAM's masked inputs; where only global average pooling and a
/// linear layer W follow the layer, no forward runs at all: every logit moves by y^(k) − y = W[:,k]·(v − mean(A_k)),
/// so for the logit w_k = W[c,k]·(mean(A_k) − v) / y_c exactly, and the softmax and ReST scores are taken of y^(k).
/// Layers without a declared suffix run the whole model on the image with the layer's output replaced, as
/// pytorch-grad-cam does; so do TorchScript packages whose model.json gives the output a <c>forwardWith</c> method
/// (x, activation) → logits, one whole-model forward per channel; other TorchScript outputs and token layers are
/// refused.</para>
/// </summary>
public sealed class AblationCam(bool closedForm = true) : CamMethod
{
    /// <summary>What pytorch-grad-cam subtracts from a minimum other than 0.</summary>
    public const double AblationOffset = 1e7;

    public override string Name => MethodNames.AblationCam;
    public override bool AppliesRelu => true;

    /// <summary>Whether the closed form replaces the forwards where the head allows (off only to check it against them).</summary>
    public bool ClosedForm { get; } = closedForm;

    /// <summary>Why the layer cannot be ablated in this model, or null.</summary>
    public static string? Problem(IClassifier model, string layer) => model.TailAfter(layer) is null
        ? $"ablation-cam replaces layer '{layer}''s output, which {model.Name} cannot take " +
          "(a TorchScript package takes a replaced output only through a forwardWith method its model.json names " +
          "for it; " +
          "a token layer has no channels to ablate)"
        : null;

    /// <summary>The value channels of one image's activation (C, h, w) are set to: 0 when its minimum is 0, else that minimum − 10⁷.</summary>
    public static double AblationValue(Tensor activation)
    {
        var min = activation.min().item<float>();
        return min == 0 ? 0 : min - AblationOffset;
    }

    public override Tensor[] ComputeWeights(CamContext context)
    {
        var weights = new Tensor[context.Layers.Count];
        try
        {
            for (var layer = 0; layer < weights.Length; layer++)
                weights[layer] = LayerWeights(context, context.Layers[layer], context.Activations[layer]);
            return weights;
        }
        catch
        {
            foreach (var w in weights) w?.Dispose();
            throw;
        }
    }

    private Tensor LayerWeights(CamContext context, string layer, Tensor activation)
    {
        using var scope = NewDisposeScope();
        var forwardModel = context.Runner.Model;
        var tail = forwardModel.TailAfter(layer) ?? throw new MethodNotApplicableException(Problem(forwardModel, layer)!);
        var (n, c) = (activation.shape[0], activation.shape[1]);
        var values = Enumerable.Range(0, (int)n).Select(i => AblationValue(activation[i])).ToArray();
        var scores = Scores(context.Logits, context.Classes); // (N, K)
        Tensor drop; // (N, K, C): s_c − s_c^(k)
        if (ClosedForm && tail.PooledLinear is { } linear)
        {
            var (_, w) = context.Model.LinearWeights(linear);
            var v = torch.tensor(values, ScalarType.Float32, activation.device).reshape(n, 1);
            var shift = activation.flatten(2).mean([-1L]) - v; // mean(A_k) − v, (N, C)
            var weight = w.to(ScalarType.Float32, activation.device);
            if (Target == ScoreTarget.Logit)
            {
                var rows = weight.index_select(0, context.Classes.flatten()).reshape(n, -1, c);
                drop = rows * shift.unsqueeze(1);
            }
            else
            {
                // every class's logit moves: y^(k) = y − W[:, k]·(mean(A_k) − v), (N, C, classes)
                var ablated = context.Logits.unsqueeze(1) - shift.unsqueeze(-1) * weight.T.unsqueeze(0);
                drop = scores.unsqueeze(-1) - AblatedScores(ablated, context.Classes);
            }
        }
        else
        {
            var chunk = context.Planner.PlanCopies(tail.BytesPerCopy(activation.shape[1..], context.Input.shape[1..]), forwardModel.Device);
            var rows = new Tensor[n];
            for (var i = 0; i < n; i++)
            {
                var ablated = context.Runner.AblatedLogits(tail, activation[i], context.Input[i..(i + 1)], values[i], chunk);
                rows[i] = AblatedScores(ablated.unsqueeze(0), context.Classes[i..(i + 1)]).squeeze(0);
            }
            drop = scores.unsqueeze(-1) - torch.stack(rows);
        }
        return (drop / scores.unsqueeze(-1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The score <see cref="CamMethod.Target"/> takes of each image's classes: logits (N, classes), classes (N, K) →
    /// (N, K).
    /// </summary>
    private Tensor Scores(Tensor logits, Tensor classes) => torch.cat(Enumerable.Range(0, (int)classes.shape[1])
        .Select(k => Target.Score(logits, classes[.., k..(k + 1)])).ToArray(), 1);

    /// <summary>The scores of the ablated copies: logits (N, C, classes), classes (N, K) → (N, K, C).</summary>
    private Tensor AblatedScores(Tensor ablated, Tensor classes)
    {
        var (n, c, width) = (ablated.shape[0], ablated.shape[1], ablated.shape[2]);
        var flat = ablated.reshape(n * c, width);
        var perCopy = classes.repeat_interleave(c, dim: 0); // (N·C, K)
        return Scores(flat, perCopy).reshape(n, c, -1).permute(0, 2, 1);
    }
}
