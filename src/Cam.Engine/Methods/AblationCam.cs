using Cam.Contracts;
using Cam.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Methods;

/// <summary>
/// Ablation-CAM (Desai and Ramaswamy, 2020), as pytorch-grad-cam's <c>ablation_cam.py</c> with <c>ablation_layer.py</c>:
/// channel k weighs w_k = (y_c − y_c^(k)) / y_c, y_c the class logit and y_c^(k) the logit with channel k of the
/// target layer set to the ablation value v everywhere; map = Σ_k w_k·A_k, then ReLU.
/// <para>v, as pytorch-grad-cam: 0 when the image's activation has minimum 0 (after a ReLU, the usual case), otherwise
/// min(A) − 10⁷. pytorch-grad-cam takes that minimum over its chunk of copies as it ablates them one after the other,
/// so the i-th copy of a chunk of 32 gets min(A) − (i+1)·10⁷; here every channel gets min(A) − 10⁷, so that a weight
/// does not depend on chunking (the maps differ from pytorch-grad-cam's only for layers whose minimum is not 0).</para>
/// <para>Only what follows the layer runs (<see cref="LayerTail"/>), the C ablated copies of an image batched in chunks
/// planned from the memory budget like Score-CAM's masked inputs; where only global average pooling and a linear layer
/// W follow the layer, no forward runs at all: y_c^(k) − y_c = W[c,k]·(v − mean(A_k)), so
/// w_k = W[c,k]·(mean(A_k) − v) / y_c exactly. Layers without a declared suffix run the whole model on the image with
/// the layer's output replaced, as pytorch-grad-cam does; TorchScript models and token layers are refused.</para>
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
          "(a TorchScript graph returns its activations but cannot take them back; a token layer has no channels to ablate)"
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
        var scores = context.Logits.gather(1, context.Classes);
        Tensor drop; // (N, K, C): y_c − y_c^(k)
        if (ClosedForm && tail.PooledLinear is { } linear)
        {
            var (_, w) = context.Model.LinearWeights(linear);
            var v = torch.tensor(values, ScalarType.Float32, activation.device).reshape(n, 1);
            var shift = activation.flatten(2).mean([-1L]) - v;
            var rows = w.to(ScalarType.Float32, activation.device).index_select(0, context.Classes.flatten()).reshape(n, -1, c);
            drop = rows * shift.unsqueeze(1);
        }
        else
        {
            var chunk = context.Planner.PlanCopies(tail.BytesPerCopy(activation.shape[1..], context.Input.shape[1..]), forwardModel.Device);
            var rows = new Tensor[n];
            for (var i = 0; i < n; i++)
            {
                var ablated = context.Runner.AblatedLogits(tail, activation[i], context.Input[i..(i + 1)], values[i], chunk);
                rows[i] = ablated.index_select(1, context.Classes[i]).T;
            }
            drop = scores.unsqueeze(-1) - torch.stack(rows);
        }
        return (drop / scores.unsqueeze(-1)).MoveToOuterDisposeScope();
    }
}
