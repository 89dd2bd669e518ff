using System.Text.Json;

namespace Cam.Datasets.Tests;

public class PreprocessPresetsTests
{
    private static JsonElement Torchvision() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "presets.json")))
            .RootElement.GetProperty("presets");

    [Fact]
    public void The_preset_table_is_what_torchvision_weights_declare_in_their_transforms()
    {
        var expected = new List<string>();
        foreach (var architecture in Torchvision().EnumerateObject())
            foreach (var weights in architecture.Value.EnumerateObject())
            {
                var t = weights.Value;
                Assert.Equal(PreprocessPresets.ImageNetMean, t.GetProperty("mean").EnumerateArray().Select(e => e.GetSingle()));
                Assert.Equal(PreprocessPresets.ImageNetStd, t.GetProperty("std").EnumerateArray().Select(e => e.GetSingle()));
                expected.Add($"{architecture.Name} {weights.Name}: {t.GetProperty("resize")[0]} {t.GetProperty("centerCrop")[0]} "
                    + t.GetProperty("interpolation").GetString());
            }
        var actual = PreprocessPresets.Table.Select(p =>
            $"{p.Key.Architecture} {p.Key.Weights}: {p.Value.Resize} {p.Value.Crop} {p.Value.Interpolation}");
        Assert.Equal(expected.Order(), actual.Order());
    }

    [Fact]
    public void A_preset_fills_in_what_the_package_leaves_out_and_keeps_what_it_gives()
    {
        var v2 = PreprocessPresets.Apply(new PreprocessSpec { Preset = "IMAGENET1K_V2" }, "resnet50");
        Assert.Equal((232, (224, 224), "bilinear"), (v2.ShorterSide!.Value, v2.Crop!.Value, v2.Filter));
        Assert.Equal(PreprocessPresets.ImageNetStd, v2.StdValues);
        var own = PreprocessPresets.Apply(new PreprocessSpec { Preset = "IMAGENET1K_V1", ResizeShorter = 300 }, "efficientnet_b0");
        Assert.Equal((300, "bicubic"), (own.ShorterSide!.Value, own.Filter));
        var error = Assert.Throws<ArgumentException>(() => PreprocessPresets.Apply(new PreprocessSpec { Preset = "IMAGENET1K_V2" }, "vgg16"));
        Assert.Equal("torchvision has no IMAGENET1K_V2 weights for 'vgg16' (it has IMAGENET1K_V1)", error.Message);
    }

    [Fact]
    public void Geometry_follows_torchvision_resize_with_max_size_and_center_crop_padding()
    {
        // torchvision: Resize(256, max_size=300) of 1000×400 → longer side 640 > 300 → (int(300·256/640), 300) = (120, 300).
        var spec = new PreprocessSpec { Resize = [256], MaxSize = 300, CenterCrop = [150, 224] };
        Assert.Equal((120, 300), spec.Resized(400, 1000));
        // The crop is taller than the image: 30 rows of padding, 15 above; 76 columns cropped, round(38) on the left.
        Assert.Equal((-15, 38), PreprocessGeometry.CropOffset(120, 300, 150, 224));
        var box = spec.TransformBox(new Box(0, 0, 1000, 400), 1000, 400);
        Assert.Equal([0f, 15f, 224f, 135f], new[] { box.X0, box.Y0, box.X1, box.Y1 }.Select(v => MathF.Round(v, 3)));
    }
}
