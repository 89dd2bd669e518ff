using Cam.Datasets;
using Cam.Engine.Preprocessing;

namespace Cam.Engine.Tests;

/// <summary>
/// The vectorised passes give the bytes of PIL's scalar formula (Resample.c, per channel, tap by tap), written out
/// here: over whole images, so that the last pixel of the last row (read without its 4-byte neighbour) is covered.
/// </summary>
public class PillowPassesTests
{
    /// <summary>PIL's ImagingResample on RGB bytes, written plainly: horizontal pass, clip, vertical, clip.</summary>
    private static byte[] ScalarResize(DecodedImage image, int height, int width, string filter)
    {
        var columns = PillowFilter.For(filter, image.Width, width, 0, width);
        var band = new byte[image.Height * width * 3];
        for (var y = 0; y < image.Height; y++)
            for (var o = 0; o < width; o++)
                for (var c = 0; c < 3; c++)
                {
                    var sum = 1 << 21;
                    for (var t = 0; t < columns.Taps[o]; t++)
                        sum += image.Rgb[(y * image.Width + columns.First[o] + t) * 3 + c]
                            * columns.Weights[o * columns.KernelSize + t];
                    band[(y * width + o) * 3 + c] = (byte)Math.Clamp(sum >> 22, 0, 255);
                }
        var rows = PillowFilter.For(filter, image.Height, height, 0, height);
        var output = new byte[height * width * 3];
        for (var o = 0; o < height; o++)
            for (var x = 0; x < width * 3; x++)
            {
                var sum = 1 << 21;
                for (var t = 0; t < rows.Taps[o]; t++)
                    sum += band[(rows.First[o] + t) * width * 3 + x] * rows.Weights[o * rows.KernelSize + t];
                output[o * width * 3 + x] = (byte)Math.Clamp(sum >> 22, 0, 255);
            }
        return output;
    }

    [Theory]
    [InlineData(97, 61, 40, 23, "bilinear")]
    [InlineData(97, 61, 40, 23, "bicubic")]
    [InlineData(13, 9, 31, 22, "bicubic")]
    [InlineData(500, 375, 341, 256, "bilinear")]
    [InlineData(7, 300, 5, 17, "bicubic")]
    public void The_vectorised_passes_give_the_bytes_of_pils_scalar_formula(int width, int height, int outWidth,
        int outHeight, string filter)
    {
        var rgb = new byte[width * height * 3];
        new Random(width * 7 + height).NextBytes(rgb);
        // Saturated corners, so that bicubic's negative lobes clip at both ends.
        for (var i = 0; i < rgb.Length; i += 97) rgb[i] = (byte)(i % 2 == 0 ? 0 : 255);
        var image = new DecodedImage(width, height, rgb);
        var window = PillowResize.Window(image, outHeight, outWidth, (0, outHeight), (0, outWidth), filter);
        Assert.Equal(ScalarResize(image, outHeight, outWidth, filter), window);
    }
}
