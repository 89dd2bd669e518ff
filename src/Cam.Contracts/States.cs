namespace Cam.Contracts;

public static class JobState
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string CompletedWithErrors = "completed_with_errors";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string state) => state != Running;

    /// <summary>Whether the job ended with its results stored (some items may have failed).</summary>
    public static bool Succeeded(string state) => state is Completed or CompletedWithErrors;
}

/// <summary>
/// pending → published (sent, waiting in the queue) → running (claimed by a worker, whose heartbeat renews the
/// lease) → completed or failed; a failed attempt goes back to pending until the attempts run out; closed when its
/// job ended (cancelled or failed) before the shard did.
/// </summary>
public static class ShardState
{
    public const string Pending = "pending";
    public const string Published = "published";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Closed = "closed";

    /// <summary>Completed, failed or closed: the shard is counted into its job, or will never run.</summary>
    public static bool IsFinal(string state) => state is Completed or Failed or Closed;
}

public static class ItemState
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}
