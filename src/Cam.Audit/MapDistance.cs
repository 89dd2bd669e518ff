namespace Cam.Audit;

/// <summary>How far apart two maps of one item are, whatever their scale: 1 − Pearson correlation.</summary>
public static class MapDistance
{
    /// <summary>
    /// 1 − Pearson correlation of <paramref name="a"/> and <paramref name="b"/> (row-major, <paramref name="b"/> resized
    /// bilinearly to <paramref name="a"/>'s shape when they differ): 0 for the same pattern, 1 for unrelated, 2 for inverted.
    /// A constant map has no pattern: 0 against another constant map, 1 against any other.
    /// </summary>
    public static double OneMinusPearson(float[] a, int heightA, int widthA, float[] b, int heightB, int widthB)
    {
        if (heightA != heightB || widthA != widthB) b = OverlayRenderer.Upsample(b, heightB, widthB, heightA, widthA);
        return 1 - Correlation.Pearson(Array.ConvertAll(a, v => (double)v), Array.ConvertAll(b, v => (double)v));
    }
}
