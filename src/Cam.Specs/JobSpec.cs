using Cam.Contracts;

namespace Cam.Specs;

/// <summary>A job as submitted: dataset × model × methods × classes.</summary>
public sealed record JobSpec
{
    /// <summary>Image folder or manifest, relative to the data root.</summary>
    public required string Dataset { get; init; }
    /// <summary>Model package folder, relative to the model root.</summary>
    public required string Model { get; init; }
    /// <summary>The methods to run; <see cref="MethodNames.Default"/> when the job names none.</summary>
    public IReadOnlyList<MethodSpec> Methods { get; init; } = MethodNames.Default.Select(name => new MethodSpec(name)).ToList();
    public IReadOnlyList<string> Layers { get; init; } = [];
    /// <summary><c>top:k</c>, <c>label</c> or class indices separated by commas.</summary>
    public string Classes { get; init; } = ClassPolicy.DefaultText;
    /// <summary>Items per shard; the scheduler's default when null.</summary>
    public int? ShardSize { get; init; }
    public bool Normalized { get; init; } = true;
    public bool Metrics { get; init; }
    /// <summary>Steps of the deletion and insertion curves (each step costs two forwards per map).</summary>
    public int MetricSteps { get; init; } = Cam.Contracts.MetricSteps.Default;
}
