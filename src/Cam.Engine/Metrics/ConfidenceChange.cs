namespace Cam.Engine.Metrics;

/// <summary>Average Drop and Increase in Confidence of one image: how the class score changes when the input is multiplied by its map.</summary>
public readonly record struct ConfidenceChange(float Score, float MaskedScore, float Drop, bool Increase);

/// <summary>
/// Average Drop and Increase in Confidence (Chattopadhyay et al., 2018), as torchcam's ClassificationMetric defines
/// them: the map, upsampled bilinearly to the input, multiplies the input; with p the class score of the input and
/// p' that of the masked input, drop = relu(p − p') / (p + 1e-7) and increase = p &lt; p'.
/// </summary>
public static class ConfidenceMetrics
{
    private const double Eps = 1e-7;

    /// <param name="score">Class scores of a batch, (N, classes): by default the softmax of the model's logits.</param>
    /// <param name="input">(N, C, H, W)</param>
    /// <param name="maps">(N, h, w); NaNs count as 0.</param>
    /// <param name="classes">One class per image.</param>
    public static ConfidenceChange[] Compute(Func<Tensor, Tensor> score, Tensor input, Tensor maps, IReadOnlyList<long> classes)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var index = torch.tensor(classes.ToArray(), device: input.device).unsqueeze(1);
        var p = score(input).gather(1, index).squeeze(1);
        var upsampled = Upsample(maps, input);
        var masked = score(upsampled * input).gather(1, index).squeeze(1);
        var drop = (p - masked).relu().div(p + Eps);
        var (ps, ms, ds) = (Floats(p), Floats(masked), Floats(drop));
        return Enumerable.Range(0, ps.Length).Select(i => new ConfidenceChange(ps[i], ms[i], ds[i], ps[i] < ms[i])).ToArray();
    }

    /// <summary>Softmax of the classifier's logits: the score torchcam's metric uses by default.</summary>
    public static Func<Tensor, Tensor> Softmax(IClassifier model) => x =>
    {
        using var logits = model.Logits(x);
        return torch.softmax(logits, 1);
    };

    /// <summary>(N, h, w) → (N, 1, H, W) bilinear (align_corners=False), NaNs replaced by 0.</summary>
    internal static Tensor Upsample(Tensor maps, Tensor input)
    {
        var clean = maps.masked_fill(maps.isnan(), 0).unsqueeze(1).to(input.dtype);
        return nn.functional.interpolate(clean, input.shape.Skip(2).ToArray(), mode: InterpolationMode.Bilinear, align_corners: false);
    }

    internal static float[] Floats(Tensor t) => t.detach().to(ScalarType.Float32).cpu().data<float>().ToArray();
}
