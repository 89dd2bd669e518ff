namespace Cam.Specs;

/// <summary>
/// Declares that a layer's output is a token sequence (N, prefix + h·w, D), as a transformer block's is. The methods
/// see it as (N, D, h, w): the <see cref="Prefix"/> tokens (class token, register tokens) dropped and the rest folded
/// row-major into the patch grid of the input, as pytorch-grad-cam's <c>reshape_transform</c> does. The grid is
/// the input size over <see cref="Patch"/> when that is declared, otherwise the factorisation of the token count
/// closest to the input's aspect ratio. Plain data, read from <c>model.json</c> without TorchSharp; the engine's
/// <c>TokenFolding</c> folds the tensors.
/// </summary>
public sealed record TokenLayout
{
    /// <summary>Tokens before the patch tokens: 1 for a class token, more with register or distillation tokens.</summary>
    public int Prefix { get; init; }

    /// <summary>The patch size in input pixels, when known; the grid is then (H / patch, W / patch).</summary>
    public int? Patch { get; init; }

    public void Validate()
    {
        if (Prefix < 0) throw new ArgumentException($"tokens: prefix must be 0 or more, not {Prefix}");
        if (Patch is < 1) throw new ArgumentException($"tokens: patch must be positive, not {Patch}");
    }

    /// <summary>The (h, w) grid of <paramref name="patchTokens"/> tokens for an input of this height and width.</summary>
    public (long Height, long Width) Grid(long patchTokens, long inputHeight, long inputWidth)
    {
        if (Patch is { } p)
        {
            var (h, w) = (inputHeight / p, inputWidth / p);
            if (h * w != patchTokens)
                throw new ArgumentException($"{patchTokens} patch tokens do not fill the {h}×{w} grid of a {inputHeight}×{inputWidth} input in " +
                    $"{p}-pixel patches");
            return (h, w);
        }
        var target = Math.Log((double)inputHeight / inputWidth);
        (long, long)? best = null;
        var bestDistance = double.MaxValue;
        var tied = false;
        for (long h = 1; h <= patchTokens; h++)
        {
            if (patchTokens % h != 0) continue;
            var distance = Math.Abs(Math.Log((double)h / (patchTokens / h)) - target);
            if (Math.Abs(distance - bestDistance) < 1e-12) tied = true;
            else if (distance < bestDistance) (best, bestDistance, tied) = ((h, patchTokens / h), distance, false);
        }
        if (best is null || tied)
            throw new ArgumentException($"{patchTokens} patch tokens fit no single grid of a {inputHeight}×{inputWidth} input; declare the patch " +
                $"size");
        return best.Value;
    }

    /// <summary>The (N, D, h, w) shape a token tensor of this (N, prefix + h·w, D) shape folds into; the engine folds the tensors.</summary>
    public long[] FoldedShape(long[] tokenShape, long inputHeight, long inputWidth)
    {
        var (n, count, channels) = CheckShape(tokenShape);
        var (h, w) = Grid(count, inputHeight, inputWidth);
        return [n, channels, h, w];
    }

    private (long N, long Count, long Channels) CheckShape(long[] shape)
    {
        if (shape.Length != 3)
            throw new ArgumentException($"a token sequence is (N, tokens, channels), not ({string.Join(", ", shape)})");
        var count = shape[1] - Prefix;
        if (count < 1) throw new ArgumentException($"{shape[1]} tokens leave no patch tokens after {Prefix} prefix tokens");
        return (shape[0], count, shape[2]);
    }
}
