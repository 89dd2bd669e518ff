using Cam.Datasets;
using Cam.Engine.Preprocessing;

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
