using Cam.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Preprocessing;

/// <summary>
/// Applies a <see cref="PreprocessSpec"/> with TorchSharp, on a device, to a batch of decoded images (boxes follow with
/// <see cref="PreprocessGeometry.TransformBox"/>).
/// </summary>
public sealed class Preprocessor(PreprocessSpec spec, Device? device = null)
{
    private readonly Device device = device ?? CPU;

    public PreprocessSpec Spec { get; } = spec;

    /// <summary>(N, 3, H, W) float32; every image must come out the same size (use a crop for mixed sizes).</summary>
    public Tensor Batch(IReadOnlyList<DecodedImage> images)
    {
        if (images.Count == 0) throw new ArgumentException("an empty batch");
        using var scope = NewDisposeScope();
        var tensors = images.Select(One).ToArray();
        var first = tensors[0].shape;
        if (tensors.Any(t => !t.shape.SequenceEqual(first)))
            throw new ArgumentException("images of different sizes need a center crop to be batched");
        return torch.stack(tensors).MoveToOuterDisposeScope();
    }

    private Tensor One(DecodedImage image)
    {
        var x = torch.tensor(image.Rgb, [image.Height, image.Width, 3], device: device)
            .permute(2, 0, 1).to(ScalarType.Float32).div_(255f).unsqueeze(0);
        var (h, w) = (image.Height, image.Width);
        if (Spec.ResizeShorter is { } shorter)
        {
            var (nh, nw) = PreprocessGeometry.ResizedSize(h, w, shorter);
            if ((nh, nw) != (h, w))
                x = nn.functional.interpolate(x, [nh, nw], mode: InterpolationMode.Bilinear, align_corners: false);
            (h, w) = (nh, nw);
        }
        if (Spec.Crop is var (ch, cw))
        {
            if (ch > h || cw > w) throw new ArgumentException($"a {h}×{w} image is smaller than the {ch}×{cw} crop");
            var (top, left) = PreprocessGeometry.CropOffset(h, w, ch, cw);
            x = x[.., .., top..(top + ch), left..(left + cw)];
        }
        var mean = torch.tensor(Spec.Mean, device: device).reshape(1, 3, 1, 1);
        var std = torch.tensor(Spec.Std, device: device).reshape(1, 3, 1, 1);
        return ((x - mean) / std).squeeze(0);
    }
}
