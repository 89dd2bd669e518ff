using System.Text.Json;

namespace Cam.Specs;

/// <summary>
/// A job's specification as the jobs table stores it: the submitted <see cref="JobSpec"/>, serialised with the web
/// defaults. Every reader of a stored job (scheduler, audit, export) goes through here.
/// </summary>
public static class StoredJobSpec
{
    public static string Write(JobSpec spec) => JsonSerializer.Serialize(spec, JsonSerializerOptions.Web);

    /// <exception cref="InvalidDataException">The stored text is not a job specification; the message names the job and why.</exception>
    public static JobSpec Read(Guid jobId, string json)
    {
        try
        {
            return JsonSerializer.Deserialize<JobSpec>(json, JsonSerializerOptions.Web) ?? throw new JsonException("it is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"job {jobId}: its stored specification cannot be read: {e.Message}", e);
        }
    }

    /// <summary>The job's specification, or null when it cannot be read (what shows a job goes on without it).</summary>
    public static JobSpec? TryRead(Guid jobId, string json)
    {
        try
        {
            return Read(jobId, json);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
