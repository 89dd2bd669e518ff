namespace Cam.Engine.Chunking;

/// <summary>
/// Chooses how many masked inputs go through the model at once: the memory budget divided by what one masked
/// sample costs (its input, upsampled mask and noise, plus the layer outputs a probe forward measured).
/// A fixed chunk size, when given, wins.
/// </summary>
public sealed class MaskChunkPlanner(MemoryBudget budget, int? fixedChunkSize = null, int maxChunkSize = MaskChunkPlanner.DefaultMaxChunkSize)
{
    public const int DefaultMaxChunkSize = 256;

    public MemoryBudget Budget { get; } = budget;
    public int? FixedChunkSize { get; } = fixedChunkSize is null or > 0 ? fixedChunkSize : throw new ArgumentException("the chunk size must be " +
        "positive");

    public int Plan(IClassifier model, long[] sampleShape)
    {
        if (FixedChunkSize is { } fixedSize) return fixedSize;
        var inputBytes = sampleShape.Aggregate(4L, (a, b) => a * b);
        var perSample = model.ActivationBytesPerSample(sampleShape) + 3 * inputBytes;
        var chunk = Budget.AvailableBytes(model.Device) / Math.Max(perSample, 1);
        return (int)Math.Clamp(chunk, 1, maxChunkSize);
    }

    /// <summary>Ablated copies per forward (Ablation-CAM): the budget over what one copy costs after the layer, or the fixed chunk size.</summary>
    public int PlanCopies(long bytesPerCopy, Device device)
    {
        if (FixedChunkSize is { } fixedSize) return fixedSize;
        return (int)Math.Clamp(Budget.AvailableBytes(device) / Math.Max(bytesPerCopy, 1), 1, maxChunkSize);
    }
}
