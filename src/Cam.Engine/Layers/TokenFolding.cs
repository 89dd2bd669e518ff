using Cam.Specs;

namespace Cam.Engine.Layers;

/// <summary>Folds token sequences into patch grids as their <see cref="TokenLayout"/> says, for the activations a classifier hands out.</summary>
public static class TokenFolding
{
    /// <summary>(N, prefix + h·w, D) → (N, D, h, w), a new contiguous tensor.</summary>
    public static Tensor Fold(this TokenLayout layout, Tensor tokens, long inputHeight, long inputWidth)
    {
        var folded = layout.FoldedShape(tokens.shape, inputHeight, inputWidth);
        var (n, channels, h, w) = (folded[0], folded[1], folded[2], folded[3]);
        using var patches = tokens.narrow(1, layout.Prefix, h * w);
        using var grid = patches.reshape(n, h, w, channels);
        using var channelsFirst = grid.permute(0, 3, 1, 2);
        return channelsFirst.contiguous();
    }

    /// <summary>
    /// Replaces, in place, every activation of a token layer by its (N, D, h, w) grid for an input of
    /// <paramref name="inputShape"/> (N, 3, H, W), disposing the token tensor; the caller owns the grids as it owned
    /// the tokens. On error every activation is disposed.
    /// </summary>
    internal static Tensor[] Fold(Tensor[] activations, IReadOnlyList<string> layers, Func<string, TokenLayout?> tokensOf, long[] inputShape)
    {
        try
        {
            for (var i = 0; i < activations.Length; i++)
            {
                if (tokensOf(layers[i]) is not { } layout) continue;
                var folded = layout.Fold(activations[i], inputShape[^2], inputShape[^1]).DetachFromDisposeScope();
                activations[i].Dispose();
                activations[i] = folded;
            }
            return activations;
        }
        catch
        {
            foreach (var a in activations) a.Dispose();
            throw;
        }
    }

    /// <summary>
    /// How to fold the i-th layer's output or its gradient, both shaped as the layer produced them, for an input of
    /// <paramref name="inputShape"/>; null when no layer is a token sequence.
    /// </summary>
    internal static Func<int, Tensor, Tensor>? Folder(IReadOnlyList<string> layers, Func<string, TokenLayout?> tokensOf, long[] inputShape)
    {
        var layouts = layers.Select(tokensOf).ToArray();
        if (layouts.All(l => l is null)) return null;
        var (height, width) = (inputShape[^2], inputShape[^1]);
        return (i, t) => layouts[i] is { } layout ? layout.Fold(t, height, width) : t;
    }

    /// <summary>The shape a layer's output has once folded; the output shape itself when the layer has no tokens.</summary>
    internal static long[] Shape(TokenLayout? layout, long[] outputShape, long[] sampleShape) =>
        layout is null ? outputShape : layout.FoldedShape(outputShape, sampleShape[^2], sampleShape[^1]);
}
