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
        return ChannelSum(Weighted(weights, activation)).MoveToOuterDisposeScope();
    }

    /// <summary>w[n,k,c]·A[n,c] for weights (N, K, C) or (N, K, C, h, w) and activation (N, C, h, w): (N, K, C, h, w).</summary>
    public static Tensor Weighted(Tensor weights, Tensor activation)
    {
        using var scope = NewDisposeScope();
        var w = weights.ndim == 3 ? weights.unsqueeze(-1).unsqueeze(-1) : weights;
        return (w * activation.unsqueeze(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Σ over the channels (dim 2) ignoring NaNs, as torchcam does: (N, K, C, h, w) → (N, K, h, w).</summary>
    public static Tensor ChannelSum(Tensor weighted)
    {
        using var scope = NewDisposeScope();
        var products = weighted.clone();
        return products.masked_fill_(products.isnan(), 0).sum(2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The projection of each map's activations on their first principal component: for every leading index, the
    /// (h·w, C) matrix X of the channels at each position (NaNs as 0), centred per channel, projected on the first
    /// right singular vector v of X: X·v, (…, C, h, w) → (…, h, w), as pytorch-grad-cam's <c>get_2d_projection</c>.
    /// <para>A component's sign is arbitrary (pytorch-grad-cam keeps whatever LAPACK returns). The rule here, the same
    /// for every map and device: the projection is negated when its most negative value is larger in magnitude than its
    /// most positive one (|min| &gt; |max|), so that the stronger side points up — Seg-Eigen-CAM's correction (Chung and
    /// Ying, 2025, eq. 13), which pytorch-grad-cam ships as <c>get_2d_projection_with_sign_correction</c>.</para>
    /// </summary>
    public static Tensor PrincipalProjection(Tensor values)
    {
        using var scope = NewDisposeScope();
        var x = Positions(values);
        var (_, _, vh) = torch.linalg.svd(x, fullMatrices: false);
        var projection = x.matmul(vh.select(-2, 0).unsqueeze(-1)).squeeze(-1);
        return SignCorrected(projection).reshape(values.shape[..^3].Concat(values.shape[^2..]).ToArray())
            .to(values.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The first kernel-PCA component of each map's activations, as scikit-learn's <c>KernelPCA(n_components=1,
    /// kernel='sigmoid')</c> computes it on the centred (h·w, C) matrix X: kernel K = tanh(γ·X·Xᵀ + 1) with γ = 1/C
    /// (scikit-learn's default), centred in feature space (K − 1K − K1 + 1K1, 1 the matrix of 1/(h·w)), and the
    /// projection u·√λ of its leading eigenpair. In float64. Its sign follows <see cref="PrincipalProjection"/>'s rule.
    /// </summary>
    public static Tensor KernelProjection(Tensor values)
    {
        using var scope = NewDisposeScope();
        var x = Positions(values).to(ScalarType.Float64);
        var gamma = 1.0 / values.shape[^3];
        var kernel = x.matmul(x.transpose(-1, -2)).mul_(gamma).add_(1).tanh_();
        var rowMeans = kernel.mean([-1L], keepdim: true);
        var columnMeans = kernel.mean([-2L], keepdim: true);
        var centred = kernel - rowMeans - columnMeans + kernel.mean([-2L, -1L], keepdim: true);
        var (eigenvalues, eigenvectors) = torch.linalg.eigh(centred);
        var top = eigenvalues.select(-1, -1).clamp_min(0).sqrt().unsqueeze(-1);
        var projection = eigenvectors.select(-1, -1) * top;
        return SignCorrected(projection).reshape(values.shape[..^3].Concat(values.shape[^2..]).ToArray())
            .to(values.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>(…, C, h, w) → (…, h·w, C), NaNs as 0, each channel centred over the positions.</summary>
    private static Tensor Positions(Tensor values)
    {
        var x = values.nan_to_num(0).flatten(-2).transpose(-1, -2);
        return x - x.mean([-2L], keepdim: true);
    }

    /// <summary>Negates each projection (…, P) whose |min| exceeds its |max|.</summary>
    private static Tensor SignCorrected(Tensor projection)
    {
        var flip = projection.amin([-1L], keepdim: true).neg() > projection.amax([-1L], keepdim: true);
        return torch.where(flip, projection.neg(), projection);
    }

    /// <summary>Per map, in place: subtract the minimum, then divide by (maximum + <paramref name="eps"/>), over the last
    /// <paramref name="spatialDims"/> dims.</summary>
    public static Tensor NormalizeInPlace(Tensor maps, int spatialDims = 2, double eps = Eps)
    {
        using var scope = NewDisposeScope();
        var lead = maps.shape.Take((int)maps.ndim - spatialDims).ToArray();
        long[] flatShape = [.. lead, -1L];
        long[] statShape = [.. lead, .. Enumerable.Repeat(1L, spatialDims)];
        maps.sub_(maps.reshape(flatShape).amin([-1L]).reshape(statShape));
        maps.div_(maps.reshape(flatShape).amax([-1L]).reshape(statShape).add_(eps));
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
        var resized = maps.Select(m =>
            nn.functional.interpolate(m, [height, width], mode: InterpolationMode.Bilinear, align_corners: false)).ToArray();
        return torch.stack(resized).amax([0L]).MoveToOuterDisposeScope();
    }
}
