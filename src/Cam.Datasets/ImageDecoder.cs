using SkiaSharp;

namespace Cam.Datasets;

/// <summary>
/// An RGB image, 8 bits per channel, rows top to bottom (height × width × 3); or, when <see cref="Window"/> is set,
/// only that part of it (what preprocessing reads: <see cref="NeededWindow"/>).
/// </summary>
public sealed record DecodedImage(int Width, int Height, byte[] Rgb)
{
    /// <summary>
    /// The part of the Width × Height raster that <see cref="Rgb"/> holds (window.Height × window.Width × 3 bytes), or
    /// null: all of it. Only a decode asked for a window makes one; such an image is fit for preprocessing alone.
    /// </summary>
    public PixelWindow? Window { get; init; }

    /// <summary>The window <see cref="Rgb"/> holds: <see cref="Window"/>, or the whole raster.</summary>
    public PixelWindow Stored => Window ?? new PixelWindow(0, 0, Width, Height);

    /// <summary>
    /// The displayed width of the image in its file: larger than <see cref="Width"/> when a JPEG was decoded at a
    /// reduced DCT scale (<see cref="MinimumDecodeSize"/>); geometry (resize, crop, boxes) is planned on this size.
    /// </summary>
    public int FullWidth { get; init; } = Width;

    /// <summary>The displayed height of the image in its file (see <see cref="FullWidth"/>).</summary>
    public int FullHeight { get; init; } = Height;
}

/// <summary>A rectangle of a decoded raster: columns <c>Left…Left+Width</c>, rows <c>Top…Top+Height</c>.</summary>
public readonly record struct PixelWindow(int Left, int Top, int Width, int Height);

/// <summary>
/// The part of a decoded raster of <paramref name="width"/>×<paramref name="height"/> (an image displayed at
/// <paramref name="fullWidth"/>×<paramref name="fullHeight"/>) that preprocessing reads; null: all of it. A JPEG
/// stored upright is then decoded for that window only (rows after it are never decoded, rows before it and columns
/// beside it skip libjpeg-turbo's inverse DCT, upsampling and colour conversion).
/// </summary>
public delegate PixelWindow? NeededWindow(int width, int height, int fullWidth, int fullHeight);

/// <summary>
/// The smallest displayed size (width, height) a decode may deliver for an image whose displayed size is
/// <paramref name="width"/>×<paramref name="height"/>: a JPEG larger than that is decoded at the smallest DCT scale
/// (1/8 … 8/8) that still covers it.
/// </summary>
public delegate (int Width, int Height) MinimumDecodeSize(int width, int height);

public enum ImageErrorReason
{
    Missing,
    TooLarge,
    TooManyPixels,
    Corrupt,
    Unsupported,
}

public sealed class ImageDecodeException(ImageErrorReason reason, string message) : Exception(message)
{
    public ImageErrorReason Reason { get; } = reason;
}

/// <summary>Limits that keep hostile files from exhausting memory.</summary>
public sealed record ImageLimits(long MaxFileBytes = 64L * 1024 * 1024, long MaxPixels = 50_000_000);

/// <summary>
/// Decodes JPEG, PNG, WebP, BMP and GIF (first frame) with SkiaSharp, applies the EXIF orientation and converts to
/// RGB as PIL's <c>Image.open(f).convert("RGB")</c> does (<see cref="PilRgb"/>: alpha dropped, 16-bit grey clipped,
/// 16-bit colour by its high byte, Adobe CMYK JPEGs through PIL's formula). The file's size and the pixel count its header declares are checked
/// before
/// anything is decoded (a decompression bomb costs its header), and the file and the RGBA pixels stay in native
/// memory: the managed result is the RGB array alone.
/// </summary>
public static class ImageDecoder
{
    public static DecodedImage Decode(string path, ImageLimits? limits = null) => Decode(path, limits, null);

    /// <summary>
    /// Decodes the image at <paramref name="path"/>; a JPEG at a reduced DCT scale when <paramref name="reduce"/> allows
    /// (libjpeg-turbo's scaled IDCT: faster, and the pixels differ from a full decode followed by a resize).
    /// </summary>
    public static DecodedImage Decode(string path, ImageLimits? limits, MinimumDecodeSize? reduce,
        NeededWindow? window = null)
    {
        limits ??= new ImageLimits();
        using var data = Open(path, limits);
        return Decode(data, path, limits, reduce, window);
    }

    /// <summary>
    /// Decodes <paramref name="bytes"/>; a JPEG reduced as <paramref name="reduce"/> allows, and, when it is stored
    /// upright, only the part <paramref name="window"/> names (<see cref="DecodedImage.Window"/>).
    /// </summary>
    public static DecodedImage Decode(byte[] bytes, string name, ImageLimits? limits = null,
        MinimumDecodeSize? reduce = null, NeededWindow? window = null)
    {
        using var data = SKData.CreateCopy(bytes);
        return Decode(data, name, limits ?? new ImageLimits(), reduce, window);
    }

    /// <summary>
    /// The stored width and height of the image at <paramref name="path"/>, from its header alone (to plan batches
    /// by pixels); the same refusals as <see cref="Decode(string, ImageLimits?)"/> except for damage past the header.
    /// </summary>
    public static (int Width, int Height) ReadSize(string path, ImageLimits? limits = null)
    {
        limits ??= new ImageLimits();
        using var data = Open(path, limits);
        using var codec = OpenCodec(data, path);
        CheckPixels(codec.Info, path, limits);
        return (codec.Info.Width, codec.Info.Height);
    }

    private static DecodedImage Decode(SKData data, string name, ImageLimits limits, MinimumDecodeSize? reduce,
        NeededWindow? window)
    {
        using var codec = OpenCodec(data, name);
        var info = codec.Info;
        CheckPixels(info, name, limits);
        var origin = codec.EncodedOrigin;
        var (fullWidth, fullHeight) = Swaps(origin) ? (info.Height, info.Width) : (info.Width, info.Height);
        if (window is not null && origin == SKEncodedOrigin.TopLeft && codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
        {
            var size = reduce is null ? info.Size : ReducedSize(codec, reduce(fullWidth, fullHeight), swapped: false);
            var part = JpegRows.Decode(codec, size, name, window(size.Width, size.Height, fullWidth, fullHeight));
            return part with { FullWidth = fullWidth, FullHeight = fullHeight };
        }
        var stored = PngHeader.Read(data.Span) is { IsGray16: true }
            ? DecodeGray16(codec, data, name)
            : DecodeRgba(codec, reduce is not null && codec.EncodedFormat == SKEncodedImageFormat.Jpeg
                ? ReducedSize(codec, reduce(fullWidth, fullHeight), Swaps(origin))
                : info.Size, name, codec.EncodedFormat == SKEncodedImageFormat.Gif ? GifFill.Color(data.Span) : null);
        return Orient(stored, origin) with { FullWidth = fullWidth, FullHeight = fullHeight };
    }

    /// <summary>The smallest size libjpeg-turbo can decode to (n/8 of the stored size) that covers <paramref name="minimum"/> (displayed).</summary>
    private static SKSizeI ReducedSize(SKCodec codec, (int Width, int Height) minimum, bool swapped)
    {
        var (minWidth, minHeight) = swapped ? (minimum.Height, minimum.Width) : minimum;
        for (var eighths = 1; eighths < 8; eighths++)
        {
            var size = codec.GetScaledDimensions(eighths / 8f);
            if (size.Width >= minWidth && size.Height >= minHeight) return size;
        }
        return codec.Info.Size;
    }

    private static DecodedImage DecodeRgba(SKCodec codec, SKSizeI size, string name, (byte R, byte G, byte B)? transparent)
    {
        if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg) return JpegRows.Decode(codec, size, name, null);
        var target = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(target);
        Check(codec.GetPixels(target, bitmap.GetPixels()), name);
        return new DecodedImage(size.Width, size.Height, PilRgb.FromRgba(bitmap.GetPixelSpan(), size.Width * size.Height, transparent));
    }

    /// <summary>A 16-bit grey PNG, read at 16 bits (<see cref="Gray16Png"/>) so that PIL's clipping (<see cref="PilRgb.FromGray16"/>) sees its
    /// values.</summary>
    private static DecodedImage DecodeGray16(SKCodec codec, SKData data, string name)
    {
        var (w, h) = (codec.Info.Width, codec.Info.Height);
        return new DecodedImage(w, h, PilRgb.FromGray16(Gray16Png.Read(data.Span, name)));
    }

    internal static void Check(SKCodecResult result, string name)
    {
        if (result != SKCodecResult.Success)
            throw new ImageDecodeException(ImageErrorReason.Corrupt, $"'{name}' could not be decoded ({result})");
    }

    /// <summary>EXIF orientations 5–8 turn the image a quarter: its displayed width is its stored height.</summary>
    private static bool Swaps(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>The file's bytes in native memory, after the checks that need no decoding.</summary>
    private static SKData Open(string path, ImageLimits limits)
    {
        var file = new FileInfo(path);
        if (!file.Exists) throw new ImageDecodeException(ImageErrorReason.Missing, $"'{path}' does not exist");
        if (file.Length == 0) throw new ImageDecodeException(ImageErrorReason.Corrupt, $"'{path}' is empty");
        if (file.Length > limits.MaxFileBytes)
            throw new ImageDecodeException(ImageErrorReason.TooLarge, $"'{path}' is {file.Length} bytes, above the limit of {limits.MaxFileBytes}");
        return SKData.Create(path) ?? throw new IOException($"'{path}' cannot be read");
    }

    private static SKCodec OpenCodec(SKData data, string name) =>
        SKCodec.Create(data) ?? throw (HasImageSignature(data.Span)
            ? new ImageDecodeException(ImageErrorReason.Corrupt, $"'{name}' is a damaged or truncated image")
            : new ImageDecodeException(ImageErrorReason.Unsupported, $"'{name}' is not a JPEG, PNG, WebP, BMP or GIF image"));

    private static void CheckPixels(SKImageInfo info, string name, ImageLimits limits)
    {
        if ((long)info.Width * info.Height > limits.MaxPixels)
            throw new ImageDecodeException(ImageErrorReason.TooManyPixels,
                $"'{name}' is {info.Width}×{info.Height}, above the limit of {limits.MaxPixels} pixels");
    }

    private static bool HasImageSignature(ReadOnlySpan<byte> b) =>
        b is [0x89, (byte)'P', (byte)'N', (byte)'G', ..] or [0xFF, 0xD8, ..] or [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..]
            or [(byte)'B', (byte)'M', ..]
        || (b.Length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P');

    /// <summary>Turns the stored pixels into the displayed orientation (EXIF orientations 2–8), pixel for pixel.</summary>
    internal static DecodedImage Orient(DecodedImage stored, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft) return stored;
        var (w, h) = (stored.Width, stored.Height);
        var (ow, oh) = Swaps(origin) ? (h, w) : (w, h);
        var rgb = new byte[stored.Rgb.Length];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var (dx, dy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (h - 1 - y, x),
                    SKEncodedOrigin.RightBottom => (h - 1 - y, w - 1 - x),
                    SKEncodedOrigin.LeftBottom => (y, w - 1 - x),
                    _ => (x, y),
                };
                Array.Copy(stored.Rgb, (y * w + x) * 3, rgb, (dy * ow + dx) * 3, 3);
            }
        return new DecodedImage(ow, oh, rgb);
    }
}
