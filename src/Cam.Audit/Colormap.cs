namespace Cam.Audit;

/// <summary>The "jet" colour map (blue → cyan → yellow → red), as matplotlib draws it and torchcam's overlays use it.</summary>
public static class Colormap
{
    public static (byte R, byte G, byte B) Jet(float value)
    {
        var v = float.IsNaN(value) ? 0f : Math.Clamp(value, 0f, 1f);
        return (Channel(v - 0.25f), Channel(v), Channel(v + 0.25f));
        // Each channel is a trapezoid over [0, 1], shifted by a quarter for red and blue.
        static byte Channel(float x) => (byte)Math.Round(255 * Math.Clamp(1.5f - Math.Abs(4f * x - 2f), 0f, 1f));
    }

    /// <summary>Values scaled to [0, 1] by their minimum and maximum (all zeros when constant).</summary>
    public static float[] MinMax(float[] values)
    {
        if (values.Length == 0) return values;
        var (min, max) = (values.Min(), values.Max());
        var range = max - min;
        return values.Select(v => range > 0 ? (v - min) / range : 0f).ToArray();
    }
}
