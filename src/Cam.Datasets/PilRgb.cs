using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        var rgb = GC.AllocateUninitializedArray<byte>(pixels * 3);
        DropAlpha(rgba, rgb, pixels);
        if (transparent is var (r, g, b))
            for (var p = 0; p < pixels; p++)
                if (rgba[p * 4 + 3] == 0)
                    (rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]) = (r, g, b);
        return rgb;
    }

    private static readonly Vector128<byte> RgbOfRgba = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14,
        255, 255, 255, 255);

    /// <summary>
    /// <c>rgb[3i + c] = rgba[4i + c]</c> for c &lt; 3, i &lt; <paramref name="pixels"/>: four pixels per shuffle, each
    /// 16-byte store overlapping the next one's first four bytes; the last few pixels one by one.
    /// </summary>
    public static void DropAlpha(ReadOnlySpan<byte> rgba, Span<byte> rgb, int pixels)
    {
        if (rgba.Length < pixels * 4 || rgb.Length < pixels * 3)
            throw new ArgumentException("buffers too small for the pixels");
        ref var source = ref MemoryMarshal.GetReference(rgba);
        ref var target = ref MemoryMarshal.GetReference(rgb);
        var i = 0;
        for (; i + 6 <= pixels; i += 4)
            Vector128.Shuffle(Vector128.LoadUnsafe(ref source, (nuint)(i * 4)), RgbOfRgba)
                .StoreUnsafe(ref target, (nuint)(i * 3));
        for (; i < pixels; i++)
            (rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]) = (rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2]);
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
