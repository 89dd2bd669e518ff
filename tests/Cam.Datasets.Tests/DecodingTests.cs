using System.Text.Json;

namespace Cam.Datasets.Tests;

/// <summary>
/// Each pixel format decodes to the RGB bytes PIL's <c>Image.open(f).convert("RGB")</c> gives (torchvision's
/// ImageFolder loader), as written by <c>Fixtures/decoding/make_decoding.py</c> with Debian's PIL 9.4.
/// </summary>
public class DecodingTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "decoding");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var name in Expected().Keys) data.Add(name);
        return data;
    }

    private static Dictionary<string, (int Height, int Width, string Mode, byte[] Rgb)> Expected()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json")));
        return json.RootElement.GetProperty("images").EnumerateObject().ToDictionary(p => p.Name, p =>
        {
            var size = p.Value.GetProperty("size");
            return (size[0].GetInt32(), size[1].GetInt32(), p.Value.GetProperty("mode").GetString()!,
                Convert.FromHexString(p.Value.GetProperty("rgb").GetString()!));
        });
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_pixel_format_decodes_to_the_bytes_of_PILs_convert_RGB(string name)
    {
        var (height, width, mode, rgb) = Expected()[name];
        var image = ImageDecoder.Decode(Path.Combine(Folder, name));
        Assert.Equal((width, height), (image.Width, image.Height));
        var differing = Enumerable.Range(0, rgb.Length).Where(i => image.Rgb[i] != rgb[i]).ToList();
        Assert.True(differing.Count == 0,
            $"{name} (PIL mode {mode}): {differing.Count} of {rgb.Length} bytes differ from PIL's, first at {differing.FirstOrDefault()}: " +
                $"{(differing.Count > 0 ? image.Rgb[differing[0]] : 0)} vs {(differing.Count > 0 ? rgb[differing[0]] : 0)}");
    }
}

/// <summary><c>"fastDecode": true</c>: a JPEG much larger than the resize is decoded at a reduced DCT scale.</summary>
public class FastDecodingTests
{
    private static byte[] Jpeg(int width, int height)
    {
        using var bitmap = new SkiaSharp.SKBitmap(width, height);
        var random = new Random(5);
        for (var y = 0; y < height; y += 8)
            for (var x = 0; x < width; x += 8)
                bitmap.SetPixel(x, y, new SkiaSharp.SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        return bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 90).ToArray();
    }

    [Fact]
    public void A_large_jpeg_decodes_at_the_smallest_eighth_that_covers_twice_the_resize_and_keeps_its_full_size()
    {
        // 2560×1708, resize 256: the resized image is 383×256, so the decode must cover 766×512. libjpeg's n/8 scale
        // gives ⌈2560·n/8⌉×⌈1708·n/8⌉: 2/8 is 640×427 (too small), 3/8 is 960×641.
        var spec = PreprocessSpec.ImageNet with { FastDecode = true };
        var image = ImageDecoder.Decode(Jpeg(2560, 1708), "large.jpg", null, spec.DecodeReduction());
        Assert.Equal((960, 641), (image.Width, image.Height));
        Assert.Equal((2560, 1708), (image.FullWidth, image.FullHeight));
        Assert.Equal(960 * 641 * 3, image.Rgb.Length);
    }

    [Fact]
    public void Without_fast_decoding_or_below_twice_the_resize_a_jpeg_decodes_at_full_size()
    {
        var full = ImageDecoder.Decode(Jpeg(2560, 1708), "large.jpg", null, PreprocessSpec.ImageNet.DecodeReduction());
        Assert.Equal((2560, 1708), (full.Width, full.Height));
        Assert.Null(PreprocessSpec.ImageNet.DecodeReduction());
        var spec = PreprocessSpec.ImageNet with { FastDecode = true };
        var small = ImageDecoder.Decode(Jpeg(700, 500), "small.jpg", null, spec.DecodeReduction());
        Assert.Equal((700, 500, 700, 500), (small.Width, small.Height, small.FullWidth, small.FullHeight));
        Assert.Null((spec with { Resize = null, CenterCrop = [224, 224] }).DecodeReduction());
    }

    [Fact]
    public void A_workers_fast_decode_setting_reduces_jpegs_of_packages_that_do_not_say_and_a_packages_own_choice_wins()
    {
        var jpeg = Jpeg(2560, 1708);
        (int, int) Decoded(PreprocessSpec spec, bool workerDefault)
        {
            var image = ImageDecoder.Decode(jpeg, "large.jpg", null, spec.DecodeReduction(workerDefault));
            return (image.Width, image.Height);
        }
        // The package says nothing: the worker's setting decides (3/8 of 2560×1708 covers twice 383×256, as above).
        Assert.Equal((960, 641), Decoded(PreprocessSpec.ImageNet, workerDefault: true));
        Assert.Equal((2560, 1708), Decoded(PreprocessSpec.ImageNet, workerDefault: false));
        // The package says false, or true: that wins over the worker.
        Assert.Equal((2560, 1708), Decoded(PreprocessSpec.ImageNet with { FastDecode = false }, workerDefault: true));
        Assert.Equal((960, 641), Decoded(PreprocessSpec.ImageNet with { FastDecode = true }, workerDefault: false));
    }
}
