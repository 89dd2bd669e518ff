using System.Text.Json;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Audit;

/// <summary>Builds a job's audit from a results database and writes the HTML report and, if asked, the JSON summary.</summary>
public static class AuditReport
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<AuditSummary> WriteAsync(StorageSettings storage, Guid jobId, AuditOptions options, string htmlPath,
        string? jsonPath = null,
        IProgress<AuditProgress>? progress = null, CancellationToken ct = default)
    {
        await using var services = new ServiceCollection().AddCamStorage(storage).BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync(ct);
        var audit = await new AuditBuilder(db, options).BuildAsync(jobId, progress, ct);
        progress?.Report(new AuditProgress("writing", 0, 1));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(htmlPath))!);
        await File.WriteAllTextAsync(htmlPath, HtmlReport.Render(audit), ct);
        if (jsonPath is not null) await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(audit, Json), ct);
        progress?.Report(new AuditProgress("writing", 1, 1));
        return audit;
    }
}
