using System.Runtime.InteropServices;
using SkiaSharp;

namespace Cam.Datasets;

/// <summary>
/// A JPEG decoded by libjpeg-turbo (Skia's codec) a few scanlines at a time into a small RGBA buffer that stays in the
/// cache, each chunk turned into RGB at once (<see cref="PilRgb.DropAlpha"/>): the same bytes as a whole-image decode,
/// without a 4-bytes-a-pixel image in memory (48 MB for a 12-megapixel photo, written once and read once).
/// </summary>
internal static class JpegRows
{
    /// <summary>Scanlines per call: two MCU rows of a 4:2:0 JPEG.</summary>
    private const int Chunk = 32;

    /// <summary>
    /// Pixels decoded beyond the asked window on each side (an MCU of 4:2:0): the window's own pixels never sit at the
    /// edge of libjpeg-turbo's crop, where its upsampling lacks the neighbours a whole decode has.
    /// </summary>
    private const int Margin = 16;

    /// <summary>This thread's pinned RGBA chunk (grown to the widest image it has decoded).</summary>
    [ThreadStatic]
    private static byte[]? buffer;

    /// <summary>
    /// The JPEG behind <paramref name="codec"/> at <paramref name="size"/> (its size or a DCT scale of it), as RGB;
    /// only <paramref name="window"/> of it when given: libjpeg-turbo crops the columns (<c>jpeg_crop_scanline</c>,
    /// through Skia's subset), skips the rows above (<c>jpeg_skip_scanlines</c>) and stops after the window's last row.
    /// </summary>
    public static DecodedImage Decode(SKCodec codec, SKSizeI size, string name, PixelWindow? window)
    {
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var part = window is { } w && (w.Left, w.Top, w.Width, w.Height) != (0, 0, size.Width, size.Height)
            ? Clamped(w, size)
            : new PixelWindow(0, 0, size.Width, size.Height);
        var whole = part == new PixelWindow(0, 0, size.Width, size.Height);
        var columns = new SKRectI(part.Left, 0, part.Left + part.Width, size.Height);
        ImageDecoder.Check(part.Width == size.Width
            ? codec.StartScanlineDecode(info)
            : codec.StartScanlineDecode(info, new SKCodecOptions(columns)), name);
        if (part.Top > 0 && !codec.SkipScanlines(part.Top))
            throw new ImageDecodeException(ImageErrorReason.Corrupt,
                $"'{name}' could not be decoded ({SKCodecResult.IncompleteInput})");
        var rowBytes = part.Width * 4;
        if (buffer is null || buffer.Length < rowBytes * Chunk)
            buffer = GC.AllocateUninitializedArray<byte>(rowBytes * Chunk, pinned: true);
        var address = Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
        var rgb = GC.AllocateUninitializedArray<byte>(part.Width * part.Height * 3);
        for (var y = 0; y < part.Height; y += Chunk)
        {
            var rows = Math.Min(Chunk, part.Height - y);
            if (codec.GetScanlines(address, rows, rowBytes) != rows)
                throw new ImageDecodeException(ImageErrorReason.Corrupt,
                    $"'{name}' could not be decoded ({SKCodecResult.IncompleteInput})");
            PilRgb.DropAlpha(buffer, rgb.AsSpan(y * part.Width * 3), rows * part.Width);
        }
        return new DecodedImage(size.Width, size.Height, rgb) { Window = whole ? null : part };
    }

    /// <summary>The window widened by <see cref="Margin"/> on each side and cut to the raster, never empty.</summary>
    private static PixelWindow Clamped(PixelWindow w, SKSizeI size)
    {
        var left = Math.Clamp(w.Left - Margin, 0, size.Width - 1);
        var top = Math.Clamp(w.Top - Margin, 0, size.Height - 1);
        var right = Math.Clamp(w.Left + w.Width + Margin, left + 1, size.Width);
        var bottom = Math.Clamp(w.Top + w.Height + Margin, top + 1, size.Height);
        return new PixelWindow(left, top, right - left, bottom - top);
    }
}
