namespace Cam.Engine.Preprocessing;

/// <summary>
/// Where each output position along one axis reads its input, as PyTorch's <c>interpolate</c> computes it without
/// antialiasing (<c>align_corners=False</c>): <c>out[o] = Σₜ W[t][o]·in[I[t][o]]</c>, for the outputs
/// <c>start … start+count</c> of an axis resized from <c>inSize</c> to <c>outSize</c> (the crop's window).
/// Bilinear: <c>x = max(scale·(o + 0.5) − 0.5, 0)</c>, taps ⌊x⌋ and ⌊x⌋+1 with weights 1−λ and λ. Bicubic:
/// <c>x = scale·(o + 0.5) − 0.5</c>, taps ⌊x⌋−1 … ⌊x⌋+2 clamped to the axis, Keys' cubic with a = −0.75.
/// Nearest: <c>min(⌊o·scale⌋, in − 1)</c>. <c>scale = in/out</c> in float, as ATen.
/// </summary>
internal sealed record AxisSampling(int[][] Indices, float[][] Weights)
{
    public bool IsIdentity { get; private init; }

    public int Count => Indices[0].Length;

    public static AxisSampling For(string interpolation, int inSize, int outSize, int start, int count)
    {
        if (inSize == outSize)
        {
            var identity = Enumerable.Range(start, count).ToArray();
            return new AxisSampling([identity], [Enumerable.Repeat(1f, count).ToArray()]) { IsIdentity = true };
        }
        var scale = (float)inSize / outSize;
        return interpolation switch
        {
            "bilinear" => Bilinear(scale, inSize, start, count),
            "bicubic" => Bicubic(scale, inSize, start, count),
            "nearest" => Nearest(scale, inSize, start, count),
            _ => throw new ArgumentException($"no interpolation '{interpolation}'"),
        };
    }

    private static AxisSampling Bilinear(float scale, int inSize, int start, int count)
    {
        var (i0, i1, w0, w1) = (new int[count], new int[count], new float[count], new float[count]);
        // Float arithmetic in the order of ATen's area_pixel_compute_source_index and guard_index_and_lambda.
        for (var o = 0; o < count; o++)
        {
            var source = Math.Max(scale * (start + o + 0.5f) - 0.5f, 0f);
            var index = Math.Min((int)MathF.Floor(source), inSize - 1);
            var lambda = Math.Clamp(source - index, 0f, 1f);
            (i0[o], i1[o], w0[o], w1[o]) = (index, index + (index < inSize - 1 ? 1 : 0), 1f - lambda, lambda);
        }
        return new AxisSampling([i0, i1], [w0, w1]);
    }

    private static AxisSampling Bicubic(float scale, int inSize, int start, int count)
    {
        const float a = -0.75f;
        var indices = Enumerable.Range(0, 4).Select(_ => new int[count]).ToArray();
        var weights = Enumerable.Range(0, 4).Select(_ => new float[count]).ToArray();
        for (var o = 0; o < count; o++)
        {
            var source = scale * (start + o + 0.5f) - 0.5f;
            var floor = (int)MathF.Floor(source);
            var t = source - floor;
            float[] w = [Far(t + 1), Near(t), Near(1 - t), Far(2 - t)];
            for (var k = 0; k < 4; k++)
                (indices[k][o], weights[k][o]) = (Math.Clamp(floor - 1 + k, 0, inSize - 1), w[k]);
        }
        return new AxisSampling(indices, weights);

        static float Near(float x) => ((a + 2) * x - (a + 3)) * x * x + 1;
        static float Far(float x) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }

    private static AxisSampling Nearest(float scale, int inSize, int start, int count)
    {
        var indices = new int[count];
        for (var o = 0; o < count; o++) indices[o] = Math.Min((int)MathF.Floor((start + o) * scale), inSize - 1);
        return new AxisSampling([indices], [Enumerable.Repeat(1f, count).ToArray()]);
    }
}
