namespace Cam.Engine.Layers;

/// <summary>
/// A vision transformer whose blocks can hand out their attention probabilities (LeGrad): torchvision's
/// VisionTransformer, whose blocks are <c>encoder.layers.encoder_layer_i</c>.
/// </summary>
public interface IAttentionBlocks
{
    /// <summary>The block holding <paramref name="layer"/> (the block itself or a layer inside it), or null.</summary>
    string? BlockOf(string layer);

    /// <summary>The layer whose output is the block's attention probabilities (N, heads, tokens, tokens), while
    /// exposed.</summary>
    string AttentionProbabilitiesOf(string block);

    /// <summary>Tokens before the patches (the class token).</summary>
    int PrefixTokens { get; }

    /// <summary>The patches' grid (rows, columns).</summary>
    (long Height, long Width) PatchGrid { get; }

    /// <summary>
    /// Until disposed, every block computes its attention probabilities explicitly and passes them through the layer
    /// <see cref="AttentionProbabilitiesOf"/> names (otherwise attention may be fused, its probabilities never formed).
    /// Not for models that explain on several threads at once.
    /// </summary>
    IDisposable ExposeAttention();

    /// <summary>Class scores (N, classes) read from a block's output tokens (N, tokens, D), as torchcam's LeGrad
    /// projects them.</summary>
    Tensor BlockScores(Tensor blockTokens);
}
