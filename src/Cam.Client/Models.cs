using System.Text.Json;

namespace Cam.Client;

// The wire types of the jobs API, named as the scheduler's OpenAPI document names their schemas (docs/openapi.json).

/// <summary>A job to submit: dataset × model × methods × classes (paths relative to the scheduler's roots).</summary>
public sealed record JobSpec
{
    /// <summary>Image folder or manifest, relative to the data root.</summary>
    public required string Dataset { get; init; }
    /// <summary>Model package folder, relative to the model root.</summary>
    public required string Model { get; init; }
    /// <summary>The methods to run; the scheduler's default (<c>cam</c>, <c>scorecam</c>) when null.</summary>
    public IReadOnlyList<MethodSpec>? Methods { get; init; }
    /// <summary>Target layers; the package's defaults when empty.</summary>
    public IReadOnlyList<string> Layers { get; init; } = [];
    /// <summary><c>top:k</c>, <c>label</c> or class indices separated by commas; the scheduler's default (<c>top:1</c>) when null.</summary>
    public string? Classes { get; init; }
    /// <summary>Items per shard; the scheduler's default when null.</summary>
    public int? ShardSize { get; init; }
    public bool Normalized { get; init; } = true;
    public bool Metrics { get; init; }
    /// <summary>Steps of the deletion and insertion curves; the scheduler's default when null.</summary>
    public int? MetricSteps { get; init; }
}

/// <summary>A method and its options (<c>convention</c>: <c>paper</c> or <c>torchcam</c>).</summary>
public sealed record MethodSpec(string Name, int? NumSamples = null, float? Std = null, long Seed = 0, string? Convention = null,
    string? Target = null, bool AugSmooth = false, bool EigenSmooth = false);

/// <summary>The answer to a submission: the new job's id.</summary>
public sealed record SubmittedJob(Guid Id);

/// <summary>Results and failed items of one method of a job.</summary>
public sealed record MethodTally(string Method, long Results, long FailedItems, string? JobError);

/// <summary>A dataset label the model has no class for, and how many of the job's items carry it (left out of the accuracy).</summary>
public sealed record UnknownLabel(string Label, long Items);

/// <summary>A job's state and progress.</summary>
public sealed record JobView(Guid Id, string State, long Total, long Done, long Succeeded, long Failed, long Results,
    int Shards, int ShardsFinished, bool EnumerationDone, double ItemsPerSecond, double? EtaSeconds, DateTime CreatedAt,
    DateTime? FinishedAt, string? Error)
{
    public string? Message { get; init; }
    /// <summary>Results and failures per method (a single job's view only).</summary>
    public IReadOnlyList<MethodTally>? Methods { get; init; }
    /// <summary>Item labels the model has no class for, with their item counts (a single job's view only).</summary>
    public IReadOnlyList<UnknownLabel>? UnknownLabels { get; init; }

    /// <summary>Whether the job has ended (completed, completed with errors, failed or cancelled).</summary>
    public bool IsFinal => State is JobStates.Completed or JobStates.CompletedWithErrors or JobStates.Failed
        or JobStates.Cancelled;
}

/// <summary>The states of <see cref="JobView.State"/>.</summary>
public static class JobStates
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string CompletedWithErrors = "completed_with_errors";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}

/// <summary>A page of results; <c>Next</c> is the <c>after</c> of the following page, null at the end.</summary>
public sealed record ResultsPage(IReadOnlyList<ResultView> Items, long? Next);

/// <summary>One stored map with its scores: <c>Peak</c> and <c>Shape</c> are (row, column) and (height, width).</summary>
public sealed record ResultView(long Id, long Item, string Method, string Layer, int ClassIndex, int Rank, float Score,
    float Probability, int[] Peak, float Energy, int[] Shape, float[]? Map, JsonElement? Metrics);

/// <summary>A page of errors; <c>Next</c> is the <c>after</c> of the following page, null at the end.</summary>
public sealed record ErrorsPage(IReadOnlyList<ErrorView> Items, long? Next);

/// <summary>An item's error (<c>Item</c> null for the whole job), with its method when only that method failed.</summary>
public sealed record ErrorView(long Id, long? Item, string Stage, string? Method, string Message, DateTime At);

/// <summary>One method's forwards per item: the explanation's and, with metrics, the metrics'.</summary>
public sealed record MethodCost(string Method, long ExplainForwards, long MetricForwards)
{
    /// <summary>Explanation and metric forwards together.</summary>
    public long Forwards { get; init; }
}

/// <summary>A target layer's activation shape, as a worker's probe measured it.</summary>
public sealed record LayerShape(string Name, long Channels, long Height, long Width, double ActiveShare);

/// <summary>A job's cost preview (a dry run): forwards, device-hours and wall time; times null when unprobed.</summary>
public sealed record CostPlan(bool Probed, long Items, IReadOnlyList<MethodCost> Methods, IReadOnlyList<LayerShape> Layers,
    int ClassesPerItem, long ForwardsPerItem, long Forwards, double? ForwardsPerSecond, string? Device,
    double? DeviceHours, int Workers, double? WallSeconds);
