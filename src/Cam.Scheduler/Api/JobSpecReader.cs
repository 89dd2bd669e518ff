using System.Text.Json;
using Cam.Scheduler.Validation;
using Cam.Specs;

namespace Cam.Scheduler.Api;

/// <summary>Reads a submitted job from the request body: at most 1 MiB of JSON, or a refusal naming the body.</summary>
public static class JobSpecReader
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static async Task<JobSpec> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes) throw TooLarge();
        using var body = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, ct)) > 0)
        {
            if (body.Length + read > MaxBodyBytes) throw TooLarge();
            body.Write(buffer, 0, read);
        }
        body.Position = 0;
        try
        {
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: ct);
            if (StrictKeys.Describe<JobSpec>(document.RootElement, "the job") is { } unknown)
                throw new JobValidationException("body", unknown);
            return document.RootElement.Deserialize<JobSpec>(JsonSerializerOptions.Web)
                   ?? throw new JobValidationException("body", "a job specification is required");
        }
        catch (JsonException e)
        {
            throw new JobValidationException("body", $"not a valid job specification: {e.Message}");
        }
    }

    private static JobValidationException TooLarge() => new("body", $"larger than {MaxBodyBytes / 1024 / 1024} MiB");
}
