namespace Cam.Engine.Chunking;

/// <summary>
/// How each channel's upsampled mask becomes masked inputs: <see cref="Samples"/> of them, the i-th (0-based)
/// being <c>Scale(i) · (mask + noise) · input</c>, with noise ~ N(0, <see cref="NoiseStd"/>²) drawn per pixel.
/// </summary>
public sealed record MaskSampling(int Samples, Func<int, double> Scale, float NoiseStd, long Seed)
{
    public static readonly MaskSampling Single = new(1, _ => 1.0, 0f, 0);

    public static MaskSampling Noisy(int samples, float std, long seed) => new(samples, _ => 1.0, std, seed);

    /// <summary>IS-CAM's cumulative scales: Σ_{j=1}^{i+1} j / S.</summary>
    public static MaskSampling Integrated(int samples)
    {
        var scales = new double[samples];
        var coefficient = 0.0;
        for (var i = 0; i < samples; i++)
        {
            coefficient += (i + 1) / (double)samples;
            scales[i] = coefficient;
        }
        return new(samples, i => scales[i], 0f, 0);
    }

    public bool HasNoise => NoiseStd > 0;
}
