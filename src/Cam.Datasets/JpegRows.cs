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

    /// <summary>This thread's pinned RGBA chunk (grown to the widest image it has decoded).</summary>
    [ThreadStatic]
    private static byte[]? buffer;

    /// <summary>
    /// The JPEG behind <paramref name="codec"/> at <paramref name="size"/> (its size or a DCT scale of it), as RGB.
    /// </summary>
    public static DecodedImage Decode(SKCodec codec, SKSizeI size, string name)
    {
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        ImageDecoder.Check(codec.StartScanlineDecode(info), name);
        var rowBytes = size.Width * 4;
        if (buffer is null || buffer.Length < rowBytes * Chunk)
            buffer = GC.AllocateUninitializedArray<byte>(rowBytes * Chunk, pinned: true);
        var address = Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
        var rgb = GC.AllocateUninitializedArray<byte>(size.Width * size.Height * 3);
        for (var y = 0; y < size.Height; y += Chunk)
        {
            var rows = Math.Min(Chunk, size.Height - y);
            if (codec.GetScanlines(address, rows, rowBytes) != rows)
                throw new ImageDecodeException(ImageErrorReason.Corrupt,
                    $"'{name}' could not be decoded ({SKCodecResult.IncompleteInput})");
            PilRgb.DropAlpha(buffer, rgb.AsSpan(y * size.Width * 3), rows * size.Width);
        }
        return new DecodedImage(size.Width, size.Height, rgb);
    }
}
