using System.Runtime.InteropServices;

namespace Cam.Engine.Chunking;

/// <summary>
/// Runs the masked-input forwards of one batch in chunks. A chunk's masked inputs are built only when it is
/// forwarded, so at most one chunk of (B, 3, H, W) exists at a time. An out-of-memory error halves the chunk and
/// retries it. Channels whose normalised masks are identical share one forward (all-zero masks, which mask every
/// image to zeros, share a single one for the whole batch), unless noise makes each sample unique.
/// </summary>
public sealed class MaskedForwardRunner : IDisposable
{
    private readonly IClassifier model;
    private readonly Tensor input;
    private readonly bool shareIdenticalMasks;
    private readonly CancellationToken cancellation;
    private Tensor? zeroLogits;

    /// <param name="cancellation">Checked before each chunk: a long explanation stops within one chunk's forward.</param>
    public MaskedForwardRunner(IClassifier model, Tensor input, int chunkSize, bool shareIdenticalMasks = true,
        CancellationToken cancellation = default)
    {
        this.cancellation = cancellation;
        this.shareIdenticalMasks = shareIdenticalMasks;
        if (chunkSize < 1) throw new ArgumentException("the chunk size must be positive");
        this.model = model;
        this.input = input;
        ChunkSize = chunkSize;
    }

    /// <summary>The model the masked (and ablated) forwards run on, at the worker's precision.</summary>
    public IClassifier Model => model;

    /// <summary>The chunk size in use (smaller than planned after an out-of-memory retry).</summary>
    public int ChunkSize { get => chunkSize; private set => chunkSize = value; }

    private int chunkSize;

    /// <summary>Ablated copies per forward: planned on the first <see cref="AblatedLogits"/>, halved on running out of memory.</summary>
    public int? AblationChunkSize { get; private set; }

    /// <summary>Masked inputs actually forwarded.</summary>
    public long Forwards { get; private set; }

    /// <summary>Masked inputs whose forward was skipped because another with the same mask served them.</summary>
    public long ForwardsSaved { get; private set; }

    public int OutOfMemoryRetries { get; private set; }

    /// <summary>
    /// The logits of every channel's masked inputs, averaged over the samples: masks (N, C, h, w), already
    /// normalised per channel, → (N, C, classes).
    /// </summary>
    public Tensor MeanMaskedLogits(Tensor masks, MaskSampling sampling, int layer, IReadOnlyList<long>? itemKeys = null)
    {
        var (n, c) = ((int)masks.shape[0], (int)masks.shape[1]);
        var plan = sampling.HasNoise || !shareIdenticalMasks ? MaskGroups.Distinct(n, c) : MaskGroups.Find(masks);
        ForwardsSaved += (long)(n * c - plan.Representatives.Count - (plan.HasZero ? 1 : 0)) * sampling.Samples
            + (plan.HasZero ? sampling.Samples - 1 : 0);

        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        if (plan.Representatives.Count > 0)
        {
            Tensor? sum = null;
            for (var s = 0; s < sampling.Samples; s++)
            {
                var sample = s;
                var logits = ForwardInChunks(plan.Representatives.Count, ref chunkSize, (start, length) =>
                    model.Logits(BuildChunk(masks, plan.Representatives, start, length, sampling, sample, layer, itemKeys)));
                sum = sum is null ? logits : sum.add_(logits);
            }
            parts.Add(sampling.Samples == 1 ? sum! : sum!.div_(sampling.Samples));
        }
        if (plan.HasZero) parts.Add(ZeroLogits());
        var unique = parts.Count == 1 ? parts[0] : torch.cat(parts, 0);
        using var index = torch.tensor(plan.GroupOfRow, device: unique.device);
        return unique.index_select(0, index).reshape(n, c, -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Ablation-CAM's forwards for one image: the logits with each channel of its activation (C, h, w) in turn set to
    /// <paramref name="value"/> everywhere, (C, classes), through <paramref name="tail"/> (only what follows the layer,
    /// or the whole model on <paramref name="image"/> (1, 3, H, W)), the ablated copies built a chunk at a time.
    /// </summary>
    /// <param name="plannedChunk">Copies per forward on the first call (later calls keep what the first settled on).</param>
    public Tensor AblatedLogits(Layers.LayerTail tail, Tensor activation, Tensor image, double value, int plannedChunk)
    {
        var channels = (int)activation.shape[0];
        var chunk = AblationChunkSize ?? Math.Max(1, plannedChunk);
        try
        {
            return ForwardInChunks(channels, ref chunk, (start, length) =>
            {
                using var scope = NewDisposeScope();
                var ablate = torch.arange(start, start + length, device: activation.device).unsqueeze(1)
                    .eq(torch.arange(channels, device: activation.device).unsqueeze(0)).reshape(length, channels, 1, 1);
                var copies = activation.unsqueeze(0).masked_fill(ablate, value);
                return tail.Logits(copies, image).MoveToOuterDisposeScope();
            });
        }
        finally
        {
            AblationChunkSize = chunk;
        }
    }

    /// <summary>Logits of an all-zero input: what every all-zero mask produces, whatever the image and scale.</summary>
    private Tensor ZeroLogits()
    {
        if (zeroLogits is null)
        {
            using var zeros = torch.zeros([1, .. input.shape.Skip(1)], dtype: input.dtype, device: input.device);
            zeroLogits = model.Logits(zeros).DetachFromDisposeScope();
            Forwards++;
        }
        return zeroLogits.alias();
    }

    private Tensor BuildChunk(Tensor masks, IReadOnlyList<(int N, int C)> rows, int start, int length, MaskSampling sampling, int sample, int layer,
        IReadOnlyList<long>? itemKeys)
    {
        var images = new long[length];
        var channels = new long[length];
        for (var i = 0; i < length; i++) (images[i], channels[i]) = rows[start + i];
        var imageIndex = torch.tensor(images, device: masks.device);
        var channelIndex = torch.tensor(channels, device: masks.device);
        var chunkMasks = masks.index([TensorIndex.Tensor(imageIndex), TensorIndex.Tensor(channelIndex)]).unsqueeze(1);
        var size = input.shape.Skip(2).ToArray();
        var upsampled = nn.functional.interpolate(chunkMasks, size,
            mode: size.Length == 3 ? InterpolationMode.Trilinear : InterpolationMode.Bilinear, align_corners: false);
        if (sampling.HasNoise) upsampled = upsampled.add_(Noise(images.Select(n => itemKeys?[(int)n] ?? n).ToArray(), channels, sampling, sample,
            layer, size));
        var masked = upsampled * input.index_select(0, imageIndex);
        var scale = sampling.Scale(sample);
        return scale == 1.0 ? masked : masked.mul_(scale);
    }

    /// <summary>Noise for each (sample, layer, item, channel) from its own seed, so that it depends on neither chunking nor batching.</summary>
    private Tensor Noise(long[] items, long[] channels, MaskSampling sampling, int sample, int layer, long[] size)
    {
        var rows = new Tensor[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var seed = SeedMixer.Mix(sampling.Seed, sample, layer, items[i], channels[i]);
            using var generator = new Generator(seed, CPU);
            rows[i] = torch.randn([1, .. size], generator: generator).mul_(sampling.NoiseStd);
        }
        return torch.stack(rows).to(input.device);
    }

    /// <summary>Runs <paramref name="forward"/> (start, length) → logits over <paramref name="count"/> rows a chunk at a time, halving the chunk on
    /// running out of memory.</summary>
    private Tensor ForwardInChunks(int count, ref int chunk, Func<int, int, Tensor> forward)
    {
        var outputs = new List<Tensor>();
        var position = 0;
        while (position < count)
        {
            cancellation.ThrowIfCancellationRequested();
            var length = Math.Min(chunk, count - position);
            try
            {
                using var scope = NewDisposeScope();
                var logits = forward(position, length);
                outputs.Add(logits.MoveToOuterDisposeScope());
                Forwards += length;
                position += length;
                EngineTelemetry.MaskedForwards.Add(length);
                EngineTelemetry.ChunkSize.Record(length);
            }
            catch (Exception e) when (IsOutOfMemory(e) && length > 1)
            {
                chunk = Math.Max(1, length / 2);
                OutOfMemoryRetries++;
                EngineTelemetry.OutOfMemoryBackoffs.Add(1);
            }
        }
        return outputs.Count == 1 ? outputs[0] : torch.cat(outputs, 0);
    }

    internal static bool IsOutOfMemory(Exception e) =>
        e is OutOfMemoryException
        || (e is ExternalException or InvalidOperationException or ApplicationException
            && (e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase)));

    public void Dispose() => zeroLogits?.Dispose();
}

internal static class SeedMixer
{
    public static ulong Mix(params long[] values)
    {
        var h = 0x9E3779B97F4A7C15UL;
        foreach (var v in values)
        {
            h ^= (ulong)v + 0x9E3779B97F4A7C15UL + (h << 6) + (h >> 2);
            h = SplitMix(h);
        }
        return h;
    }

    private static ulong SplitMix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
