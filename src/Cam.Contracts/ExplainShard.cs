namespace Cam.Contracts;

/// <summary>
/// Version 1 of the shard message: explain these items of a job. A breaking change gets a new type
/// (<c>ExplainShardV2</c>) so that old and new workers can share a broker during a rollout.
/// </summary>
public sealed record ExplainShard
{
    public required Guid JobId { get; init; }
    public required int ShardNumber { get; init; }
    /// <summary>
    /// 1 for the first publication, incremented each time the shard is published again. A worker runs the shard under
    /// the attempt it claims in the database (the shard's current one), which its reports carry.
    /// </summary>
    public required int Attempt { get; init; }
    public required ModelReference Model { get; init; }
    public required IReadOnlyList<MethodSpec> Methods { get; init; }
    /// <summary>Target layers; empty for the model package's defaults (or the candidate layer).</summary>
    public IReadOnlyList<string> TargetLayers { get; init; } = [];
    public required ClassPolicy Classes { get; init; }
    public bool Normalized { get; init; } = true;
    public bool ComputeMetrics { get; init; }
    /// <summary>Steps of the deletion and insertion curves when metrics are computed (added in v1 with a default, so older messages read the
    /// same).</summary>
    public int MetricSteps { get; init; } = Cam.Contracts.MetricSteps.Default;
    /// <summary>Folder the items' paths are relative to, itself relative to the worker's data root.</summary>
    public required string DatasetRoot { get; init; }
    public required IReadOnlyList<ItemRef> Items { get; init; }
}

/// <summary>A model package: a folder relative to the model root, with an optional content hash to pin its version.</summary>
public sealed record ModelReference(string Package, string? Sha256 = null);

/// <summary>
/// A method (<see cref="MethodNames"/>) and its options. <c>Convention</c> (<c>paper</c> or <c>torchcam</c>, paper when
/// null) matters where implementations disagree (Grad-CAM++); <c>Target</c> (<see cref="MethodNames.Targets"/>, the logit
/// when null) is what a gradient method differentiates; <c>AugSmooth</c> and <c>EigenSmooth</c> are pytorch-grad-cam's
/// smoothing options. Each was added with a default, so older messages read the same.
/// </summary>
public sealed record MethodSpec(string Name, int? NumSamples = null, float? Std = null, long Seed = 0, string? Convention = null,
    string? Target = null, bool AugSmooth = false, bool EigenSmooth = false);

/// <summary>Which classes to explain per item: the top-k predictions, the item's label, or explicit class indices.</summary>
public sealed record ClassPolicy(ClassPolicyKind Kind, int K = 1, IReadOnlyList<int>? Explicit = null)
{
    /// <summary>The classes of a job that names none: the top prediction.</summary>
    public const string DefaultText = "top:1";

    public static ClassPolicy Top(int k) => new(ClassPolicyKind.TopK, k);
    public static readonly ClassPolicy Label = new(ClassPolicyKind.Label);
    public static ClassPolicy Of(params int[] classes) => new(ClassPolicyKind.Explicit, classes.Length, classes);

    /// <summary>Parses <c>top:k</c>, <c>label</c> or a comma-separated list of class indices.</summary>
    public static ClassPolicy Parse(string text)
    {
        text = text.Trim().ToLowerInvariant();
        if (text == "label") return Label;
        if (text.StartsWith("top:", StringComparison.Ordinal) && int.TryParse(text[4..], out var k) && k >= 1) return Top(k);
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > 0 && parts.All(p => int.TryParse(p, out var c) && c >= 0)) return Of(parts.Select(int.Parse).ToArray());
        throw new FormatException($"class policy '{text}' is not top:k, label, or a list of class indices");
    }

    public override string ToString() => Kind switch
    {
        ClassPolicyKind.TopK => $"top:{K}",
        ClassPolicyKind.Label => "label",
        _ => string.Join(",", Explicit ?? []),
    };
}

public enum ClassPolicyKind
{
    TopK,
    Label,
    Explicit,
}

/// <summary>One item of a shard: its number in the job (its position in the dataset, the key of its results and errors), its path and ground
/// truth.</summary>
public sealed record ItemRef(long Number, string Path, string? Label = null, IReadOnlyList<BoxRef>? Boxes = null)
{
    /// <summary>
    /// Always <see cref="Number"/>. Still serialised, read-only, so that workers built before it was dropped keep
    /// working during a rolling upgrade (they key their writes on it); nothing here reads it.
    /// </summary>
    [Obsolete("an item is keyed by its Number")]
    public long ItemId => Number;
}

/// <summary>A ground-truth box in pixels of the original image.</summary>
public sealed record BoxRef(float X0, float Y0, float X1, float Y1);
