using Cam.Datasets;
using Cam.Engine.Preprocessing;
using SkiaSharp;

namespace Cam.Engine.Tests;

/// <summary>
/// A JPEG decoded for the crop's source window alone (<see cref="Preprocessor.WindowToDecode"/>) gives the model
/// input bytes of the whole decode (which are torchvision's, <see cref="PhotoParityTests"/>): libjpeg-turbo's cropped
/// and skipped scanlines are the same pixels, and the window covers every tap the resampling reads.
/// </summary>
public class WindowDecodeTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "photos");

    /// <summary>A photo as a JPEG of its own (quality 90), turned to portrait when asked, at 4× when asked.</summary>
    private static byte[] Jpeg(string photo, bool portrait, bool x4)
    {
        var decoded = x4 ? PhotoParityTests.Photo(photo + "@x4") : ImageDecoder.Decode(Path.Combine(Dir, photo));
        var (w, h) = portrait ? (decoded.Height, decoded.Width) : (decoded.Width, decoded.Height);
        var pixels = new byte[w * h * 4];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var source = portrait ? (x * decoded.Width + y) * 3 : (y * decoded.Width + x) * 3;
                var target = (y * w + x) * 4;
                (pixels[target], pixels[target + 1], pixels[target + 2], pixels[target + 3]) =
                    (decoded.Rgb[source], decoded.Rgb[source + 1], decoded.Rgb[source + 2], 255);
            }
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, pixels);
        return image.Encode(SKEncodedImageFormat.Jpeg, 90).ToArray();
    }

    public static TheoryData<string, bool, bool, string, bool> Cases() => new()
    {
        { "china.jpg", false, false, "bilinear", false },
        { "china.jpg", true, false, "bicubic", false },
        { "flower.jpg", false, true, "bicubic", false },
        { "grace_hopper.jpg", false, true, "bilinear", true },
        { "grace_hopper.jpg", true, true, "nearest", false },
        { "flower.jpg", true, true, "bilinear", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decoding_only_the_crops_source_window_gives_the_bytes_of_the_whole_decode(string photo, bool portrait,
        bool x4, string interpolation, bool fastDecode)
    {
        var jpeg = Jpeg(photo, portrait, x4);
        var spec = PreprocessSpec.ImageNet with { Interpolation = interpolation, FastDecode = fastDecode };
        var preprocessor = new Preprocessor(spec);
        var whole = ImageDecoder.Decode(jpeg, photo, null, spec.DecodeReduction());
        var part = ImageDecoder.Decode(jpeg, photo, null, spec.DecodeReduction(), preprocessor.WindowToDecode);
        Assert.NotNull(part.Window);
        var stored = part.Window!.Value;
        Assert.True((long)stored.Width * stored.Height < (long)whole.Width * whole.Height,
            $"{photo}: the window {stored} is the whole {whole.Width}×{whole.Height} image");
        Assert.Equal((whole.Width, whole.Height, whole.FullWidth, whole.FullHeight),
            (part.Width, part.Height, part.FullWidth, part.FullHeight));
        // The pixels the preprocessing reads are the whole decode's, byte for byte (the decoder's margin around them
        // may differ at its very edge, where libjpeg-turbo's crop lacks a neighbour for upsampling).
        var needed = preprocessor.WindowToDecode(part.Width, part.Height, part.FullWidth, part.FullHeight)!.Value;
        for (var y = needed.Top; y < needed.Top + needed.Height; y++)
        {
            var expected = whole.Rgb.AsSpan((y * whole.Width + needed.Left) * 3, needed.Width * 3);
            var at = ((y - stored.Top) * stored.Width + needed.Left - stored.Left) * 3;
            var decoded = part.Rgb.AsSpan(at, needed.Width * 3);
            Assert.True(expected.SequenceEqual(decoded), $"{photo}: row {y} differs");
        }
        Assert.Equal(preprocessor.Bytes(whole), preprocessor.Bytes(part));
    }
}
