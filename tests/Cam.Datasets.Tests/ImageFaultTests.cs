using Cam.Tests.Shared;
using SkiaSharp;

namespace Cam.Datasets.Tests;

/// <summary>Hostile image files are refused with their reason, from what they declare and before anything large is allocated.</summary>
public class ImageFaultTests
{
    /// <summary>Managed bytes <paramref name="action"/> allocates on this thread.</summary>
    private static long Allocated(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>A JPEG of 16×16 whose frame header (SOF0) is rewritten to declare 60000×60000 pixels.</summary>
    private static byte[] JpegBomb()
    {
        using var bitmap = new SKBitmap(16, 16);
        bitmap.Erase(SKColors.Gray);
        var bytes = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90).ToArray();
        for (var i = 0; i + 8 < bytes.Length; i++)
        {
            if (bytes[i] != 0xFF || bytes[i + 1] is not (0xC0 or 0xC2)) continue;
            bytes[i + 5] = 60000 >> 8; bytes[i + 6] = 60000 & 0xFF; // height
            bytes[i + 7] = 60000 >> 8; bytes[i + 8] = 60000 & 0xFF; // width
            return bytes;
        }
        throw new InvalidOperationException("no SOF marker");
    }

    [Fact]
    public void Decompression_bombs_are_refused_from_their_header_before_decoding()
    {
        using var root = new TempFolder();
        foreach (var (name, bytes) in new[] { ("bomb.png", HostileImages.PngBomb()), ("bomb.gif", HostileImages.GifBomb()),
            ("bomb.bmp", HostileImages.BmpBomb()), ("bomb.jpg", JpegBomb()) })
        {
            var path = root.File(name);
            File.WriteAllBytes(path, bytes);
            Assert.True(bytes.Length < 2000, $"{name} is {bytes.Length} bytes");
            ImageDecodeException? error = null;
            var allocated = Allocated(() => error = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path)));
            Assert.True(error!.Reason == ImageErrorReason.TooManyPixels, $"{name}: {error.Reason}: {error.Message}");
            Assert.Contains("above the limit", error.Message);
            Assert.True(allocated < 256 * 1024, $"{name}: {allocated} bytes allocated to refuse it");
            Assert.Equal(ImageErrorReason.TooManyPixels, Assert.Throws<ImageDecodeException>(() => ImageDecoder.ReadSize(path)).Reason);
        }
    }

    [Fact]
    public void Decoding_allocates_the_rgb_result_and_no_managed_copy_of_the_file_or_the_rgba_pixels()
    {
        using var root = new TempFolder();
        var path = root.Image("large.png", 1600, 1200, SKColors.Teal);
        DecodedImage? image = null;
        var allocated = Allocated(() => image = ImageDecoder.Decode(path));
        var rgb = 1600L * 1200 * 3;
        Assert.Equal(rgb, image!.Rgb.Length);
        Assert.True(allocated < rgb + 256 * 1024, $"{allocated} bytes allocated for an RGB image of {rgb} bytes");
        Assert.Equal((byte)SKColors.Teal.Green, image.Rgb[^2]);
    }

    [Fact]
    public void The_size_of_an_image_is_read_from_its_header_alone()
    {
        using var root = new TempFolder();
        var path = root.Image("wide.jpg", 300, 200, SKColors.Teal, SKEncodedImageFormat.Jpeg);
        long allocated = 0;
        var size = (0, 0);
        allocated = Allocated(() => size = ImageDecoder.ReadSize(path));
        Assert.Equal((300, 200), size);
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated to read a header");
        var truncated = root.File("truncated.png");
        File.WriteAllBytes(truncated, File.ReadAllBytes(root.Image("t.png", 50, 50, SKColors.Red))[..20]);
        Assert.Equal(ImageErrorReason.Corrupt, Assert.Throws<ImageDecodeException>(() => ImageDecoder.ReadSize(truncated)).Reason);
    }
}
