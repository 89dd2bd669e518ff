using Cam.Datasets;
using Cam.Engine.Preprocessing;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

public class PreprocessorTests
{
    [Fact]
    public void Preprocessing_resizes_crops_and_normalises_like_torchvision()
    {
        var image = new DecodedImage(40, 20, Enumerable.Repeat((byte)51, 40 * 20 * 3).ToArray());
        var spec = new PreprocessSpec { ResizeShorter = 10, CenterCrop = [8, 8], Mean = [0.1f, 0.2f, 0.3f], Std = [0.5f, 0.5f, 0.5f] };
        using var batch = new Preprocessor(spec).Batch([image, image]);
        Assert.Equal([2L, 3, 8, 8], batch.shape);
        Assert.Equal((51 / 255f - 0.1f) / 0.5f, batch[0, 0, 0, 0].item<float>(), 5);
        Assert.Equal((51 / 255f - 0.2f) / 0.5f, batch[1, 1, 3, 3].item<float>(), 5);
    }

    [Fact]
    public void Images_of_different_sizes_without_a_crop_are_refused_as_a_batch()
    {
        var small = new DecodedImage(4, 4, new byte[4 * 4 * 3]);
        var large = new DecodedImage(6, 4, new byte[6 * 4 * 3]);
        var error = Assert.Throws<ArgumentException>(() => new Preprocessor(new PreprocessSpec()).Batch([small, large]));
        Assert.Contains("center crop", error.Message);
    }
}

public class PreprocessorResizeTests
{
    private static DecodedImage RandomImage(int width, int height, int seed)
    {
        var rgb = new byte[width * height * 3];
        new Random(seed).NextBytes(rgb);
        return new DecodedImage(width, height, rgb);
    }

    /// <summary>
    /// torchvision's Resize(antialias=False) on the float tensor: the whole image as float32, PyTorch's interpolate,
    /// crop, normalise.
    /// </summary>
    private static Tensor Reference(DecodedImage image, PreprocessSpec spec, InterpolationMode mode)
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(image.Rgb, [image.Height, image.Width, 3]).permute(2, 0, 1).to(ScalarType.Float32).div(255f).unsqueeze(0);
        var (h, w) = spec.Resized(image.Height, image.Width);
        if ((h, w) != (image.Height, image.Width))
            x = mode == InterpolationMode.Nearest
                ? torch.nn.functional.interpolate(x, [h, w], mode: mode)
                : torch.nn.functional.interpolate(x, [h, w], mode: mode, align_corners: false);
        if (spec.Crop is var (ch, cw))
        {
            var (top, left) = PreprocessGeometry.CropOffset(h, w, ch, cw);
            x = x[.., .., top..(top + ch), left..(left + cw)];
        }
        var mean = torch.tensor(spec.MeanValues).reshape(1, 3, 1, 1);
        var std = torch.tensor(spec.StdValues).reshape(1, 3, 1, 1);
        return ((x - mean) / std).squeeze(0).MoveToOuterDisposeScope();
    }

    [Theory]
    [InlineData(97, 61, 32, 28, "bilinear")]
    [InlineData(61, 97, 40, 0, "bilinear")]
    [InlineData(14, 10, 20, 18, "bilinear")]
    [InlineData(33, 33, 33, 31, "bilinear")]
    [InlineData(500, 380, 256, 224, "bilinear")]
    [InlineData(23, 17, 0, 0, "bilinear")]
    [InlineData(97, 61, 32, 28, "bicubic")]
    [InlineData(14, 10, 20, 18, "bicubic")]
    [InlineData(500, 380, 256, 224, "bicubic")]
    [InlineData(97, 61, 32, 28, "nearest")]
    [InlineData(14, 10, 20, 18, "nearest")]
    public void Resizing_without_antialiasing_matches_pytorch_interpolation_of_the_float_image(
        int width, int height, int shorter, int crop, string interpolation)
    {
        var spec = new PreprocessSpec
        {
            Resize = shorter > 0 ? [shorter] : null, CenterCrop = crop > 0 ? [crop, crop] : null, Antialias = false,
            Interpolation = interpolation, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f],
        };
        var mode = interpolation switch
        {
            "bicubic" => InterpolationMode.Bicubic,
            "nearest" => InterpolationMode.Nearest,
            _ => InterpolationMode.Bilinear,
        };
        var image = RandomImage(width, height, seed: width * 31 + height);
        using var expected = Reference(image, spec, mode);
        using var batch = new Preprocessor(spec).Batch([image]);
        Assert.Equal(expected.shape, batch[0].shape);
        Tolerance.Absolute(expected, batch[0], 2e-5, $"{width}×{height} → shorter {shorter}, crop {crop}, {interpolation}");
    }

    [Fact]
    public void A_crop_larger_than_the_image_pads_with_zeros_as_torchvision_center_crop()
    {
        // torchvision pads (crop − size) // 2 before and the rest after: 3 rows above, 4 below; 1 column each side.
        var image = new DecodedImage(4, 3, Enumerable.Repeat((byte)255, 4 * 3 * 3).ToArray());
        var spec = new PreprocessSpec { CenterCrop = [10, 6] };
        using var batch = new Preprocessor(spec).Batch([image]);
        var ones = batch[0, 0].data<float>().ToArray();
        var expected = Enumerable.Range(0, 60).Select(i => i / 6 is >= 3 and < 6 && i % 6 is >= 1 and < 5 ? 1f : 0f);
        Assert.Equal(expected, ones);
    }
}

[Collection(Cam.Tests.Shared.PeakMemoryCollection.Name)]
public class PreprocessorMemoryTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Fact]
    public void Preprocessing_a_large_photo_never_holds_it_as_float32()
    {
        // 24 megapixels: 72 MB as bytes, 288 MB as float32. The model input (ImageNet spec) is 224×224.
        var image = new DecodedImage(6000, 4000, new byte[6000 * 4000 * 3]);
        Array.Fill(image.Rgb, (byte)90);
        var preprocessor = new Preprocessor(PreprocessSpec.ImageNet);
        using (preprocessor.Batch([new DecodedImage(300, 200, new byte[300 * 200 * 3])])) { } // libtorch's first-use allocations
        Tensor? batch = null;
        var rise = Cam.Tests.Shared.PeakMemory.RiseDuring(() => batch = preprocessor.Batch([image]));
        log.WriteLine($"peak resident memory rise: {rise / 1e6:F1} MB");
        using (batch)
        {
            Assert.Equal([1L, 3, 224, 224], batch!.shape);
            Assert.Equal((90 / 255f - 0.485f) / 0.229f, batch[0, 0, 100, 100].item<float>(), 4);
        }
        Assert.True(rise < image.Rgb.Length / 4,
            $"peak resident memory rose by {rise / 1e6:F1} MB preprocessing an image of {image.Rgb.Length / 1e6:F0} MB");
    }
}
