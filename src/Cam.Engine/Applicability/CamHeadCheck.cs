using Cam.Contracts;
using Cam.Engine.Packages;

namespace Cam.Engine.Applicability;

/// <summary>
/// CAM weights a layer's channels by the rows of a linear layer, which is right only when the logits are that linear
/// layer applied to the layer's globally average-pooled channels. The rows must take as many features as the layer
/// has channels; and for a TorchScript model (whose head no architecture declares) the logits must move with the
/// pooled features as the rows say: for two inputs, logits₁ − logits₂ = W (pool(A₁) − pool(A₂)), bias-free. A head
/// with a hidden layer (MobileNetV3's, say) fails one or the other.
/// </summary>
public static class CamHeadCheck
{
    /// <summary>Relative tolerance of the linearity check, against the largest logit difference.</summary>
    public const double Tolerance = 1e-3;

    public static string? Problem(IClassifier model, string? fcLayer, Tensor input, string layer, LayerShape shape)
    {
        using var scope = NewDisposeScope();
        var (name, weight) = model.LinearWeights(fcLayer);
        if (weight.shape[1] != shape.Channels)
            return $"its fully connected layer '{name}' takes {weight.shape[1]} features but layer '{layer}' has {shape.Channels} channels " +
                   "(the head is not one linear layer over the globally pooled target layer; use Score-CAM or a gradient method)";
        if (model is not ScriptClassifier || input.shape[0] < 2) return null;
        using var _ = no_grad();
        using var pass = model.Forward(input, [layer]);
        var logits = pass.Logits.to(ScalarType.Float64);
        var pooled = pass.Activations[0].to(ScalarType.Float64).mean([2, 3]);
        var w = weight.to(ScalarType.Float64, model.Device);
        var actual = logits[0] - logits[1];
        var predicted = w.matmul(pooled[0] - pooled[1]);
        var scale = Math.Max(actual.abs().max().item<double>(), 1e-6);
        var error = (actual - predicted).abs().max().item<double>() / scale;
        return error <= Tolerance ? null
            : $"its logits are not the fully connected layer '{name}' applied to the global average of layer '{layer}' " +
              $"(they differ by {error:P0} of their range: the head has more than one layer; use Score-CAM or a gradient method)";
    }
}
