using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Methods;

/// <summary>What every method shares once the channel weights are known: combining, ReLU, normalising, fusing.</summary>
public static class CamMaps
{
    private const double Eps = 1e-8;

    /// <summary>
    /// Σ_c w[n,k,c]·A[n,c] ignoring NaNs: weights (N, K, C), or (N, K, C, h, w) when they vary across the map, and
    /// activation (N, C, h, w) → (N, K, h, w).
    /// </summary>
    public static Tensor Combine(Tensor weights, Tensor activation)
    {
        using var scope = NewDisposeScope();
        var w = weights.ndim == 3 ? weights.unsqueeze(-1).unsqueeze(-1) : weights;
        var a = activation.unsqueeze(1);
        var products = w * a;
        // nansum over channels, as the reference does
        return products.masked_fill_(products.isnan(), 0).sum(2).MoveToOuterDisposeScope();
    }

    /// <summary>Per map, in place: subtract the minimum, then divide by (maximum + 1e-8), over the last <paramref name="spatialDims"/> dims.</summary>
    public static Tensor NormalizeInPlace(Tensor maps, int spatialDims = 2)
    {
        using var scope = NewDisposeScope();
        var lead = maps.shape.Take((int)maps.ndim - spatialDims).ToArray();
        long[] flatShape = [.. lead, -1L];
        long[] statShape = [.. lead, .. Enumerable.Repeat(1L, spatialDims)];
        maps.sub_(maps.reshape(flatShape).amin([-1L]).reshape(statShape));
        maps.div_(maps.reshape(flatShape).amax([-1L]).reshape(statShape).add_(Eps));
        return maps;
    }

    /// <summary>
    /// Fuses maps of several layers: each (N, K, h, w) is resized bilinearly to the largest height and width among
    /// them, then the element-wise maximum is taken.
    /// </summary>
    public static Tensor Fuse(IReadOnlyList<Tensor> maps)
    {
        if (maps.Count == 0) throw new ArgumentException("nothing to fuse");
        if (maps.Count == 1) return maps[0].clone();
        using var scope = NewDisposeScope();
        var height = maps.Max(m => m.shape[^2]);
        var width = maps.Max(m => m.shape[^1]);
        var resized = maps.Select(m => nn.functional.interpolate(m, [height, width], mode: InterpolationMode.Bilinear, align_corners: false)).ToArray();
        return torch.stack(resized).amax([0L]).MoveToOuterDisposeScope();
    }
}
