using Cam.Contracts;
namespace Cam.Storage.Entities;

public sealed class JobRow
{
    public Guid Id { get; set; }
    public string State { get; set; } = JobState.Running;
    /// <summary>The job's specification as submitted, JSON.</summary>
    public string Spec { get; set; } = "{}";
    public long TotalItems { get; set; }
    public long SucceededItems { get; set; }
    public long FailedItems { get; set; }
    public long Results { get; set; }
    public int TotalShards { get; set; }
    public int FinishedShards { get; set; }
    public bool EnumerationDone { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public string? Error { get; set; }
    /// <summary>The folder item paths are relative to, relative to the data root, fixed at submission; null for jobs stored before it was
    /// kept.</summary>
    public string? DatasetRoot { get; set; }
}

public sealed class ShardRow
{
    public Guid JobId { get; set; }
    public int Number { get; set; }
    public string State { get; set; } = ShardState.Pending;
    /// <summary>Publications so far; the attempt a worker claims the shard under.</summary>
    public int Attempts { get; set; }
    /// <summary>Published: the last moment to be claimed before it is published again (null in any other state).</summary>
    public DateTime? ClaimDeadline { get; set; }
    /// <summary>Running: the end of its worker's lease unless the worker renews it (null in any other state).</summary>
    public DateTime? LeaseExpiresAt { get; set; }
    /// <summary>When its current message was published (null until then): the queue's order, to tell a lost message from a queued one.</summary>
    public DateTime? PublishedAt { get; set; }
    /// <summary>The worker instance holding the claim while running.</summary>
    public string? ClaimedBy { get; set; }
    /// <summary>Attempts that failed (an error, or a worker that stopped renewing its claim); the shard fails when they reach the cap.</summary>
    public int Failures { get; set; }
    public long FirstItem { get; set; }
    public int ItemCount { get; set; }
    public int Succeeded { get; set; }
    public int Failed { get; set; }
    public int Results { get; set; }
    public string? Error { get; set; }
}

public sealed class ItemRow
{
    public Guid JobId { get; set; }
    /// <summary>Position in the dataset's stable order; the item's id within the job.</summary>
    public long Number { get; set; }
    public int ShardNumber { get; set; }
    public string Path { get; set; } = "";
    public string? Label { get; set; }
    /// <summary>Ground-truth boxes as JSON [[x0,y0,x1,y1],…], or null.</summary>
    public string? Boxes { get; set; }
    /// <summary>The manifest's <c>meta</c> object as compact JSON (PostgreSQL jsonb, SQLite text), or null; audits slice by its keys.</summary>
    public string? Meta { get; set; }
    public string State { get; set; } = ItemState.Pending;
}

public sealed class ResultRow : ResultValues
{
    public long Id { get; set; }
    public Guid JobId { get; set; }
    public long ItemNumber { get; set; }
    public int ClassRank { get; set; }
    /// <summary>The map, row-major, in one of <see cref="MapCodec"/>'s forms (read it with <see cref="MapValues"/>).</summary>
    public byte[] Map { get; set; } = [];
    /// <summary>The model's top-1 class for the item; -1 when unknown.</summary>
    public int PredictedClass { get; set; } = -1;

    /// <summary>The map as floats, row-major.</summary>
    public float[] MapValues() => DecodeMap(Map);

    public static float[] DecodeMap(byte[] bytes) => MapCodec.Decode(bytes);

    /// <summary>The compact form (<see cref="MapCodec"/>): within 1e-5 of a normalised map's values.</summary>
    public static byte[] EncodeMap(float[] values) => MapCodec.Encode(values);

    /// <summary>A copy to insert afresh: every column but the generated id.</summary>
    public ResultRow CopyWithoutId()
    {
        var copy = (ResultRow)MemberwiseClone();
        copy.Id = 0;
        return copy;
    }
}

public sealed class ItemErrorRow
{
    public long Id { get; set; }
    public Guid JobId { get; set; }
    /// <summary>The item, or null for an error of the whole job (a method that cannot apply, found by a worker).</summary>
    public long? ItemNumber { get; set; }
    public string Stage { get; set; } = "";
    /// <summary>The method that failed, whose results alone are missing; empty when the whole item failed.</summary>
    public string Method { get; set; } = "";
    public string Message { get; set; } = "";
    public DateTime At { get; set; }
}
