using Cam.Specs;

namespace Cam.Engine.Models;

// Field names are torchvision's state_dict names; TorchSharp registers submodules under their field names.
#pragma warning disable IDE1006

/// <summary>
/// torchvision's VisionTransformer: patches embedded by a strided convolution, a class token, learned position
/// embeddings (so only <see cref="ImageSize"/>² inputs), pre-norm encoder blocks, and a head on the class token.
/// Everything under <c>encoder</c> outputs tokens (N, 1 + h·w, D), declared so that methods see (N, D, h, w), except
/// the attention probabilities (N, heads, 1 + h·w, 1 + h·w) each block exposes for LeGrad
/// (<see cref="IAttentionBlocks"/>).
/// </summary>
public sealed class VisionTransformer : Module<Tensor, Tensor>, ILayerDeclarations, IAttentionBlocks
{
    private readonly Conv2d conv_proj;
    private readonly Parameter class_token;
    private readonly ViTEncoder encoder;
    private readonly Sequential heads;
    private readonly TokenLayout tokens;
    private readonly int numLayers;

    public VisionTransformer(string name, int imageSize, int patchSize, int numLayers, int numHeads, int hiddenDim, int mlpDim, int numClasses)
        : base(name)
    {
        if (imageSize % patchSize != 0) throw new ArgumentException($"{name}: image size {imageSize} is not a multiple of the " +
            $"patch size {patchSize}");
        if (hiddenDim % numHeads != 0) throw new ArgumentException($"{name}: {hiddenDim} channels do not split into {numHeads} heads");
        ImageSize = imageSize;
        PatchSize = patchSize;
        this.numLayers = numLayers;
        conv_proj = Conv2d(3, hiddenDim, kernel_size: patchSize, stride: patchSize);
        class_token = new Parameter(zeros(1, 1, hiddenDim));
        var sequence = (imageSize / patchSize) * (imageSize / patchSize) + 1;
        encoder = new ViTEncoder(sequence, numLayers, numHeads, hiddenDim, mlpDim);
        heads = Sequential(("head", Linear(hiddenDim, numClasses)));
        tokens = new TokenLayout { Prefix = 1, Patch = patchSize };
        DefaultTargetLayer = $"encoder.layers.encoder_layer_{numLayers - 1}.ln_1";
        RegisterComponents();
    }

    public int ImageSize { get; }
    public int PatchSize { get; }

    /// <summary>The last block's first layer norm, as pytorch-grad-cam's users take for a ViT: the last attention's
    /// input, from which the class token gathers what the head reads.</summary>
    public string? DefaultTargetLayer { get; }

    public TokenLayout? TokensOf(string layer) =>
        (layer == "encoder" || layer.StartsWith("encoder.", StringComparison.Ordinal))
        && !layer.EndsWith("." + SelfAttention.ProbabilitiesName, StringComparison.Ordinal) ? tokens : null;

    private const string BlockPrefix = "encoder.layers.encoder_layer_";

    public string? BlockOf(string layer)
    {
        if (!layer.StartsWith(BlockPrefix, StringComparison.Ordinal)) return null;
        var rest = layer[BlockPrefix.Length..];
        var end = rest.IndexOf('.');
        var number = end < 0 ? rest : rest[..end];
        return int.TryParse(number, System.Globalization.NumberStyles.None, null, out var index) && index < numLayers
            && index.ToString(System.Globalization.CultureInfo.InvariantCulture) == number
            ? BlockPrefix + number : null;
    }

    public string AttentionProbabilitiesOf(string block) => $"{block}.self_attention.{SelfAttention.ProbabilitiesName}";

    public int PrefixTokens => tokens.Prefix;

    public (long Height, long Width) PatchGrid => (ImageSize / PatchSize, ImageSize / PatchSize);

    public IDisposable ExposeAttention()
    {
        var attentions = modules().OfType<SelfAttention>().ToList();
        foreach (var a in attentions) a.ExposeProbabilities = true;
        return new Exposure(attentions);
    }

    /// <summary>torchcam's score projection for torchvision's ViT: heads(encoder.ln(mean over tokens)).</summary>
    public Tensor BlockScores(Tensor blockTokens)
    {
        using var scope = NewDisposeScope();
        return heads.call(encoder.Norm.call(blockTokens.mean([1L]))).MoveToOuterDisposeScope();
    }

    private sealed class Exposure(IReadOnlyList<SelfAttention> attentions) : IDisposable
    {
        public void Dispose()
        {
            foreach (var a in attentions) a.ExposeProbabilities = false;
        }
    }

    public CamHead? CamHead => CamHead.None(
        "its head reads the class token, not globally pooled features, so no layer's channels are weighted by a linear head (use Score-CAM or its " +
            "variants)");

    public override Tensor forward(Tensor x)
    {
        if (x.ndim != 4 || x.shape[2] != ImageSize || x.shape[3] != ImageSize)
            throw new ArgumentException($"{GetName()} takes (N, 3, {ImageSize}, {ImageSize}) inputs (its position embeddings are learned for that " +
                $"size), not ({string.Join(", ", x.shape)})");
        using var scope = NewDisposeScope();
        var n = x.shape[0];
        var patches = conv_proj.call(x).flatten(2).permute(0, 2, 1);
        var sequence = torch.cat([class_token.expand(n, -1, -1), patches], 1);
        var classToken = encoder.call(sequence).select(1, 0);
        return heads.call(classToken).MoveToOuterDisposeScope();
    }
}

internal sealed class ViTEncoder : Module<Tensor, Tensor>
{
    private readonly Parameter pos_embedding;
    private readonly Dropout dropout;
    private readonly Sequential layers;
    private readonly LayerNorm ln;

    public ViTEncoder(int sequence, int numLayers, int numHeads, int hiddenDim, int mlpDim) : base(nameof(ViTEncoder))
    {
        pos_embedding = new Parameter(empty(1, sequence, hiddenDim).normal_(std: 0.02));
        dropout = Dropout(0.0);
        layers = Sequential();
        for (var i = 0; i < numLayers; i++) layers.append($"encoder_layer_{i}", new EncoderBlock(numHeads, hiddenDim, mlpDim));
        ln = LayerNorm(hiddenDim, eps: 1e-6);
        RegisterComponents();
    }

    /// <summary>The final layer norm (<c>encoder.ln</c>).</summary>
    public LayerNorm Norm => ln;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return ln.call(layers.call(dropout.call(x + pos_embedding))).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-norm block: x + attention(ln_1(x)), then + mlp(ln_2(·)); the MLP's children are torchvision's 0–4.</summary>
internal sealed class EncoderBlock : Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1, ln_2;
    private readonly SelfAttention self_attention;
    private readonly Dropout dropout;
    private readonly Sequential mlp;

    public EncoderBlock(int numHeads, int hiddenDim, int mlpDim) : base(nameof(EncoderBlock))
    {
        ln_1 = LayerNorm(hiddenDim, eps: 1e-6);
        self_attention = new SelfAttention(hiddenDim, numHeads);
        dropout = Dropout(0.0);
        ln_2 = LayerNorm(hiddenDim, eps: 1e-6);
        mlp = Sequential(Linear(hiddenDim, mlpDim), GELU(), Dropout(0.0), Linear(mlpDim, hiddenDim), Dropout(0.0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = dropout.call(self_attention.call(ln_1.call(input))) + input;
        return (x + mlp.call(ln_2.call(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// <c>nn.MultiheadAttention(batch_first=True)</c> as a ViT uses it (query = key = value, no mask), with its
/// state_dict names: packed <c>in_proj_weight</c>/<c>in_proj_bias</c> and <c>out_proj</c>. Fused attention
/// (<c>scaled_dot_product_attention</c>) unless <see cref="ExposeProbabilities"/>: then softmax(q·kᵀ/√d) is
/// computed and passed through the parameterless <c>attention_probabilities</c> child, where a hook can record it.
/// </summary>
internal sealed class SelfAttention : Module<Tensor, Tensor>
{
    public const string ProbabilitiesName = "attention_probabilities";

    private readonly Parameter in_proj_weight, in_proj_bias;
    private readonly Linear out_proj;
    private readonly AttentionProbabilities attention_probabilities;
    private readonly int heads;

    public SelfAttention(int hiddenDim, int numHeads) : base(nameof(SelfAttention))
    {
        heads = numHeads;
        in_proj_weight = new Parameter(empty(3 * hiddenDim, hiddenDim));
        init.xavier_uniform_(in_proj_weight);
        in_proj_bias = new Parameter(zeros(3 * hiddenDim));
        out_proj = Linear(hiddenDim, hiddenDim);
        attention_probabilities = new AttentionProbabilities();
        RegisterComponents();
    }

    /// <summary>Whether the attention probabilities are formed and pass through their hookable child.</summary>
    public bool ExposeProbabilities { get; set; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (n, length, width) = (x.shape[0], x.shape[1], x.shape[2]);
        // (N, L, 3D) → three (N, heads, L, D / heads)
        var qkv = functional.linear(x, in_proj_weight, in_proj_bias).view(n, length, 3, heads, width / heads).permute(2, 0, 3, 1, 4);
        Tensor attended;
        if (ExposeProbabilities)
        {
            var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
            var logits = q.matmul(k.transpose(-2, -1)).div(Math.Sqrt(width / heads));
            var probabilities = attention_probabilities.call(logits.softmax(-1));
            attended = probabilities.matmul(v);
        }
        else
        {
            attended = functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]);
        }
        return out_proj.call(attended.transpose(1, 2).reshape(n, length, width)).MoveToOuterDisposeScope();
    }
}

/// <summary>The identity on attention probabilities (N, heads, queries, keys): where a hook records them.</summary>
internal sealed class AttentionProbabilities() : Module<Tensor, Tensor>(nameof(AttentionProbabilities))
{
    public override Tensor forward(Tensor probabilities) => probabilities.alias();
}
