using static TorchSharp.torch;

namespace Cam.Demo;

/// <summary>
/// A training term that asks the true class's CAM to peak inside the object's box: minus the log of the share of the
/// map's softmax (over its cells) that falls on cells whose centres lie in the box. Cross-entropy alone only asks for
/// the right logit, which a GAP network can also build from cells beside the object (the demo's triangles did).
/// </summary>
public static class CamLocalisationLoss
{
    /// <param name="maps">(n, h, w) CAM of the true class per image.</param>
    /// <param name="boxes">(n, 4) box per image, x0, y0, x1, y1 in input pixels; images without a box have x1 ≤ x0.</param>
    /// <param name="inputHeight">Input height in pixels (the maps cover the whole input).</param>
    /// <returns>The mean over the images whose box holds at least one cell centre; zero when none does.</returns>
    public static Tensor Compute(Tensor maps, Tensor boxes, long inputHeight, long inputWidth)
    {
        using var scope = NewDisposeScope();
        var (n, h, w) = (maps.shape[0], maps.shape[1], maps.shape[2]);
        var inside = CellsInBox(boxes, h, w, inputHeight, inputWidth, maps.device);
        var usable = inside.any(1);
        if (!usable.any().item<bool>()) return zeros([], device: maps.device).MoveToOuterDisposeScope();
        // Rows without a box are left out before the log-sum-exp: an all −∞ row would send NaN into the gradient.
        var rows = usable.nonzero().view(-1);
        var flat = maps.reshape(n, h * w).index_select(0, rows);
        var outside = inside.index_select(0, rows).logical_not();
        var inBox = flat.masked_fill(outside, float.NegativeInfinity).logsumexp(1);
        return (flat.logsumexp(1) - inBox).mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// (n, h·w): which cells of an h×w map over the input have their centre — where the bilinearly upsampled map peaks
    /// when the cell does — inside each image's box.
    /// </summary>
    public static Tensor CellsInBox(Tensor boxes, long h, long w, long inputHeight, long inputWidth, Device device)
    {
        using var scope = NewDisposeScope();
        var n = boxes.shape[0];
        var centreY = (arange(h, dtype: ScalarType.Float32, device: device) + 0.5f) * (inputHeight / (float)h) - 0.5f;
        var centreX = (arange(w, dtype: ScalarType.Float32, device: device) + 0.5f) * (inputWidth / (float)w) - 0.5f;
        var b = boxes.to(ScalarType.Float32).to(device);
        var insideY = centreY.view(1, h).ge(b[.., 1..2]).logical_and(centreY.view(1, h).lt(b[.., 3..4]));
        var insideX = centreX.view(1, w).ge(b[.., 0..1]).logical_and(centreX.view(1, w).lt(b[.., 2..3]));
        return insideY.view(n, h, 1).logical_and(insideX.view(n, 1, w)).view(n, h * w).MoveToOuterDisposeScope();
    }

    /// <summary>The boxes of horizontally flipped inputs.</summary>
    public static Tensor FlipHorizontally(Tensor boxes, long inputWidth)
    {
        using var scope = NewDisposeScope();
        var flipped = stack([inputWidth - boxes[.., 2], boxes[.., 1], inputWidth - boxes[.., 0], boxes[.., 3]], 1);
        // Keep "no box" (x1 ≤ x0) as it was.
        var none = boxes[.., 2].le(boxes[.., 0]).unsqueeze(1);
        return where(none, boxes, flipped).MoveToOuterDisposeScope();
    }
}
