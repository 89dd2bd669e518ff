namespace Cam.Engine.Preprocessing;

/// <summary>
/// One axis of PIL's antialiased resampling (<c>ImagingResample</c>, Resample.c), for the outputs
/// <c>start … start+count</c> of an axis resized from <c>inSize</c> to <c>outSize</c>. For output <c>o</c>:
/// <c>scale = in/out</c>, <c>f = max(scale, 1)</c>, <c>support = s·f</c> (bilinear s = 1, triangle filter; bicubic
/// s = 2, cubic with a = −0.5), <c>center = (o + 0.5)·scale</c>, taps <c>x ∈ [⌊center − support + 0.5⌋,
/// ⌊center + support + 0.5⌋)</c> clipped to the image, weights <c>k(x) = filter((x − center + 0.5) / f)</c> divided by
/// their sum, then fixed point: <c>round(k · 2²²)</c> (half away from zero). A pass computes, per channel,
/// <c>clip8((2²¹ + Σ in[x]·k[x]) ≫ 22)</c> — PIL rounds to bytes after each pass. ATen's <c>_upsample_*_aa</c> uses
/// the same support and weights on float tensors.
/// </summary>
internal sealed class PillowFilter
{
    public const int PrecisionBits = 32 - 8 - 2;

    /// <summary>First input index of each output.</summary>
    public int[] First { get; }
    /// <summary>Number of taps of each output.</summary>
    public int[] Taps { get; }
    /// <summary>Fixed-point weights, <see cref="KernelSize"/> per output.</summary>
    public int[] Weights { get; }
    public int KernelSize { get; }

    private PillowFilter(int[] first, int[] taps, int[] weights, int kernelSize) =>
        (First, Taps, Weights, KernelSize) = (first, taps, weights, kernelSize);

    public static PillowFilter For(string interpolation, int inSize, int outSize, int start, int count)
    {
        Func<double, double> filter = interpolation switch
        {
            "bilinear" => Triangle,
            "bicubic" => Cubic,
            _ => throw new ArgumentException($"PIL resampling has no '{interpolation}' filter here"),
        };
        var baseSupport = interpolation == "bicubic" ? 2.0 : 1.0;
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = baseSupport * filterScale;
        var kernelSize = (int)Math.Ceiling(support) * 2 + 1;
        var (first, taps, weights) = (new int[count], new int[count], new int[count * kernelSize]);
        var k = new double[kernelSize];
        for (var i = 0; i < count; i++)
        {
            var center = (start + i + 0.5) * scale;
            var inverse = 1.0 / filterScale;
            var xmin = Math.Max((int)(center - support + 0.5), 0);
            var xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            var sum = 0.0;
            for (var x = 0; x < xmax; x++)
            {
                k[x] = filter((x + xmin - center + 0.5) * inverse);
                sum += k[x];
            }
            for (var x = 0; x < xmax; x++)
            {
                var w = sum != 0.0 ? k[x] / sum : k[x];
                weights[i * kernelSize + x] = w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits)) : (int)(0.5 + w * (1 << PrecisionBits));
            }
            (first[i], taps[i]) = (xmin, xmax);
        }
        return new PillowFilter(first, taps, weights, kernelSize);
    }

    /// <summary>The byte a fixed-point sum rounds to (the sum starts at 2²¹, half of one).</summary>
    public static byte Clip8(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);

    public const int Half = 1 << (PrecisionBits - 1);

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }
}
