namespace Cam.Storage.Entities;

public static class JobState
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string CompletedWithErrors = "completed_with_errors";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string state) => state != Running;
}

public static class ShardState
{
    public const string Pending = "pending";
    public const string Published = "published";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

public static class ItemState
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}
