using Cam.Datasets;
using SkiaSharp;

namespace Cam.Audit.Tests;

public class OverlayRendererTests
{
    [Fact]
    public void An_overlay_shows_the_model_s_view_with_the_cold_side_blue_and_the_hot_side_red()
    {
        var gray = new DecodedImage(40, 30, Enumerable.Repeat((byte)100, 40 * 30 * 3).ToArray());
        var preprocess = new PreprocessSpec { ResizeShorter = 20, CenterCrop = [16, 16] };

        var png = OverlayRenderer.Render(gray, preprocess, [0f, 1f], mapHeight: 1, mapWidth: 2);

        using var overlay = SKBitmap.Decode(png);
        Assert.Equal((16, 16), (overlay.Width, overlay.Height));
        byte Blend(byte heat) => (byte)Math.Round(OverlayRenderer.ImageWeight * 100 + (1 - OverlayRenderer.ImageWeight) * heat);
        var (r0, g0, b0) = Colormap.Jet(0f);
        var (r1, g1, b1) = Colormap.Jet(1f);
        Assert.Equal(new SKColor(Blend(r0), Blend(g0), Blend(b0)), overlay.GetPixel(0, 8));
        Assert.Equal(new SKColor(Blend(r1), Blend(g1), Blend(b1)), overlay.GetPixel(15, 8));
        Assert.Equal((0, 0, 128), (Colormap.Jet(0f).R, Colormap.Jet(0f).G, Colormap.Jet(0f).B));
        Assert.Equal((128, 0, 0), (Colormap.Jet(1f).R, Colormap.Jet(1f).G, Colormap.Jet(1f).B));
    }

    [Fact]
    public void Upsampling_matches_bilinear_interpolation_with_half_pixel_centres()
    {
        // PyTorch: F.interpolate([[[[0, 1]]]], size=(1, 4), mode="bilinear", align_corners=False) = [0, 0.25, 0.75, 1]
        Assert.Equal([0f, 0.25f, 0.75f, 1f], OverlayRenderer.Upsample([0f, 1f], 1, 2, 1, 4));
    }
}
