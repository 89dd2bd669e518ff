namespace Cam.Engine.Preprocessing;

/// <summary>
/// Where each output position along one axis reads its input, as PyTorch's bilinear <c>interpolate</c>
/// (<c>align_corners=False</c>, no antialiasing) computes it: <c>out[o] = W0[o]·in[I0[o]] + W1[o]·in[I1[o]]</c>, for
/// the outputs <c>start … start+count</c> of an axis resized from <c>inSize</c> to <c>outSize</c> (the crop's window).
/// </summary>
internal sealed record AxisSampling(int[] I0, int[] I1, float[] W0, float[] W1)
{
    public bool IsIdentity { get; private init; }

    public int Count => I0.Length;

    public static AxisSampling For(int inSize, int outSize, int start, int count)
    {
        var (i0, i1, w0, w1) = (new int[count], new int[count], new float[count], new float[count]);
        if (inSize == outSize)
        {
            for (var o = 0; o < count; o++) (i0[o], i1[o], w0[o]) = (start + o, start + o, 1f);
            return new AxisSampling(i0, i1, w0, w1) { IsIdentity = true };
        }
        // Float arithmetic in the order of ATen's area_pixel_compute_source_index and guard_index_and_lambda.
        var scale = (float)inSize / outSize;
        for (var o = 0; o < count; o++)
        {
            var source = Math.Max(scale * (start + o + 0.5f) - 0.5f, 0f);
            var index = Math.Min((int)MathF.Floor(source), inSize - 1);
            var lambda = Math.Clamp(source - index, 0f, 1f);
            (i0[o], i1[o], w0[o], w1[o]) = (index, index + (index < inSize - 1 ? 1 : 0), 1f - lambda, lambda);
        }
        return new AxisSampling(i0, i1, w0, w1);
    }
}
