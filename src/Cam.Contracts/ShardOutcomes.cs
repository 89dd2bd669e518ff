namespace Cam.Contracts;

/// <summary>Version 1: a worker finished a shard; its results and item errors are already stored.</summary>
public sealed record ShardCompleted
{
    public required Guid JobId { get; init; }
    public required int ShardNumber { get; init; }
    public required int Attempt { get; init; }
    public required int Succeeded { get; init; }
    public required int Failed { get; init; }
    public required int Results { get; init; }
    public required double Seconds { get; init; }
    public string? Worker { get; init; }
}

/// <summary>Version 1: a shard cannot be processed at all (its model does not load, say); retrying will not help.</summary>
public sealed record ShardFailed
{
    public required Guid JobId { get; init; }
    public required int ShardNumber { get; init; }
    public required int Attempt { get; init; }
    public required string Reason { get; init; }
    public string? Worker { get; init; }
}

/// <summary>Names shared by the scheduler, the workers and the deployment (see docs/conventions.md).</summary>
public static class QueueNames
{
    public const string ExplainShard = "cam-explain-shard";
    public const string ShardOutcomes = "cam-shard-outcomes";
    /// <summary>Model probes (<see cref="ProbeModel"/>): any worker answers; the scheduler asks before it accepts a job.</summary>
    public const string ProbeModel = "cam-probe-model";

    /// <summary>Redeliveries of one shard message the broker allows (a consumer that dies before acknowledging) before it dead-letters it.</summary>
    public const int ShardDeliveryLimit = 4;

    /// <summary>Where the broker puts a shard message past its delivery limit: MassTransit's error queue of the shard queue.</summary>
    public const string ShardDeadLetterExchange = ExplainShard + "_error";

    /// <summary>
    /// The shard queue's RabbitMQ arguments: a quorum queue with a delivery limit, dead-lettering into the error
    /// queue. The scheduler (which declares the queue before any worker exists) and the workers declare it with
    /// exactly these, as RabbitMQ refuses a declaration whose arguments differ from the queue's.
    /// </summary>
    public static IReadOnlyDictionary<string, object> ShardQueueArguments { get; } = new Dictionary<string, object>
    {
        ["x-queue-type"] = "quorum",
        ["x-delivery-limit"] = ShardDeliveryLimit,
        ["x-dead-letter-exchange"] = ShardDeadLetterExchange,
    };
}
