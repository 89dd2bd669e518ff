namespace Cam.Contracts;

/// <summary>
/// Version 1 of the model probe, a request a worker answers with <see cref="ModelProbed"/> (MassTransit
/// request/response on <see cref="QueueNames.ProbeModel"/>): load the package, say per method whether it can explain
/// the model at all and why not, and measure how fast the worker's device runs the model's forward.
/// The scheduler has no TorchSharp, so this is how it knows before it schedules any work.
/// </summary>
public sealed record ProbeModel
{
    public required ModelReference Model { get; init; }
    public required IReadOnlyList<MethodSpec> Methods { get; init; }
    /// <summary>Target layers; empty for the model package's defaults (or the candidate layer).</summary>
    public IReadOnlyList<string> TargetLayers { get; init; } = [];
    /// <summary>The input size the model will see (after preprocessing), for the layer shapes and the forward rate.</summary>
    public required int Height { get; init; }
    public required int Width { get; init; }
    /// <summary>Whether to time forwards (a second or so of the device); applicability alone otherwise.</summary>
    public bool MeasureRate { get; init; } = true;
    /// <summary>
    /// The dataset's first images (paths relative to <see cref="DatasetRoot"/>, itself relative to the worker's data
    /// root), on which the share of channels whose Score-CAM masks need a forward of their own is measured; empty: all do.
    /// </summary>
    public IReadOnlyList<string> SamplePaths { get; init; } = [];
    public string DatasetRoot { get; init; } = ".";
}

/// <summary>The answer to <see cref="ProbeModel"/>.</summary>
public sealed record ModelProbed
{
    /// <summary>One verdict per requested method, in the request's order; empty when the package did not load.</summary>
    public IReadOnlyList<MethodApplicability> Methods { get; init; } = [];
    /// <summary>The target layers as the methods see them (token outputs folded), for an input of the requested size.</summary>
    public IReadOnlyList<LayerShape> Layers { get; init; } = [];
    /// <summary>Images per second through the model's forward without autograd on the worker's device, at <see cref="ProbeBatch"/>; 0 when not
    /// measured.</summary>
    public double ForwardsPerSecond { get; init; }
    public int ProbeBatch { get; init; }
    public string Device { get; init; } = "";
    public string? Worker { get; init; }
    /// <summary>Why the package could not be probed at all (it does not load); null otherwise.</summary>
    public string? Error { get; init; }
}

/// <summary>
/// Whether a method can explain the model at all and, if not, why; <c>Samples</c> is what the method repeats its forwards
/// for (1 for most; Ablation-CAM's forwards per channel: 0 where a pooled linear head gives them in closed form).
/// </summary>
public sealed record MethodApplicability(string Method, bool Applicable, string? Reason, int Samples = 1);

/// <summary>
/// A target layer's activation shape for one image, as the methods see it (channels, height, width), and the share of
/// its channels that are not constant on the sample images: a constant channel's Score-CAM mask is all zero, and all
/// such masks share one forward.
/// </summary>
public sealed record LayerShape(string Name, long Channels, long Height, long Width, double ActiveShare = 1);
