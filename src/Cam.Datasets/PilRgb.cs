using System.Runtime.InteropServices;

namespace Cam.Datasets;

/// <summary>
/// PIL's <c>convert("RGB")</c> of the pixels Skia decoded (Pillow 9.4, as torchvision's ImageFolder loader calls it).
/// Alpha is dropped, never blended: RGBA, LA and palette images with transparency keep their colour channels.
/// </summary>
internal static class PilRgb
{
    /// <summary>
    /// Unpremultiplied RGBA8888 → RGB: <c>rgb[i] = (r, g, b)</c> of pixel i, whatever its alpha; a fully transparent
    /// pixel takes <paramref name="transparent"/> when given (a GIF's transparent index, which Skia decodes as black).
    /// </summary>
    public static byte[] FromRgba(ReadOnlySpan<byte> rgba, int pixels, (byte R, byte G, byte B)? transparent = null)
    {
        var rgb = new byte[pixels * 3];
        var words = MemoryMarshal.Cast<byte, uint>(rgba[..(pixels * 4)]);
        var target = rgb.AsSpan();
        var i = 0;
        // Four bytes at a time while a whole word fits; the last pixel byte by byte.
        for (; i < pixels - 1; i++)
        {
            var word = words[i];
            MemoryMarshal.Write(target.Slice(i * 3, 4), word);
        }
        if (pixels > 0)
        {
            var last = (pixels - 1) * 4;
            (rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]) = (rgba[last], rgba[last + 1], rgba[last + 2]);
        }
        if (transparent is var (r, g, b))
            for (var p = 0; p < pixels; p++)
                if (rgba[p * 4 + 3] == 0)
                    (rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]) = (r, g, b);
        return rgb;
    }

    /// <summary>
    /// A 16-bit grey PNG (PIL's mode <c>I</c>) → RGB as PIL converts I to RGB: each value clipped to [0, 255] and
    /// repeated, <c>rgb[i] = min(v, 255)</c> — not scaled: a 16-bit image above 255 turns white, as in PIL.
    /// </summary>
    public static byte[] FromGray16(ReadOnlySpan<ushort> gray)
    {
        var rgb = new byte[gray.Length * 3];
        for (var i = 0; i < gray.Length; i++)
            rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = (byte)Math.Min(gray[i], (ushort)255);
        return rgb;
    }
}
