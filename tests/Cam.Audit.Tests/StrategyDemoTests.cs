using Cam.Audit.Strategies;
using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Demo;
using Cam.Specs;
using Xunit.Abstractions;

namespace Cam.Audit.Tests;

/// <summary>
/// The issue's demo: 600 shapes from cameras A and B, the mark only on camera B's circles; CAM of the label's class.
/// The spurious model's circle class must split off flagged clusters made of camera B's circles; the clean model's
/// classes must have none flagged.
/// </summary>
public class StrategyDemoTests(ITestOutputHelper output)
{
    private const int Images = 600;

    private static async Task<(AuditSummary Audit, string Html)> AuditAsync(string dataRoot, string model)
    {
        new ShapesGenerator(seed: 27, spuriousClass: "circle", cameras: ["A", "B"], markedCamera: "B").Write(dataRoot, Images);
        var modelRoot = Path.Combine(Repository.Root, "samples");
        var database = Path.Combine(dataRoot, "cam.db");
        var spec = new JobSpec { Dataset = "manifest.csv", Model = model, Methods = [new MethodSpec("cam")], Classes = "label" };
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, dataRoot, modelRoot, database, Workers: 1));
        Assert.Equal("completed", summary.State);
        var html = Path.Combine(dataRoot, "report.html");
        var audit = await AuditReport.WriteAsync(Cam.Storage.StorageSettings.SqliteFile(database), summary.JobId,
            new AuditOptions { DataRoot = dataRoot, ModelRoot = modelRoot, GallerySize = 2, Strategies = new StrategyOptions() }, html);
        return (audit, await File.ReadAllTextAsync(html));
    }

    private void Describe(AuditSummary audit)
    {
        foreach (var s in audit.Strategies!)
        {
            output.WriteLine($"{s.Label}: {s.Maps} maps, k = {s.K}, eigenvalues {string.Join(" ", s.Eigenvalues.Select(v => v.ToString("F3")))}");
            foreach (var c in s.Clusters)
                output.WriteLine($"  #{c.Id} {c.Size} B={CameraB(c)} inBox={c.EnergyInBox:F2} pg={c.PointingGame:F2} border={c.BorderMass:F2} " +
                                 $"offset={c.Geometry?.Offset:F3} [{c.Geometry?.OffsetInterval?.Low:F3},{c.Geometry?.OffsetInterval?.High:F3}] " +
                                 $"decoupling={c.Geometry?.Decoupling:F2} [{c.Geometry?.DecouplingInterval?.Low:F2}," +
                                     $"{c.Geometry?.DecouplingInterval?.High:F2}] " +
                                 $"flagged={c.Flagged} {c.Reason}");
        }
    }

    private static long CameraB(StrategyCluster c) => c.Meta.GetValueOrDefault("camera")?.GetValueOrDefault("B") ?? 0;

    [Fact]
    public async Task The_spurious_models_circles_split_off_flagged_clusters_of_camera_B_circles()
    {
        var dataRoot = Directory.CreateTempSubdirectory("cam-strategies-").FullName;
        try
        {
            var (audit, html) = await AuditAsync(dataRoot, "shapes-spurious-model");
            Describe(audit);

            var circle = audit.Strategies!.Single(s => s.Label == "circle");
            var flagged = circle.Clusters.Where(c => c.Flagged).ToList();
            Assert.NotEmpty(flagged);
            var purity = (double)flagged.Sum(CameraB) / flagged.Sum(c => c.Size);
            var recall = (double)flagged.Sum(CameraB) / circle.Clusters.Sum(CameraB);
            output.WriteLine($"circle: k = {circle.K}, flagged {flagged.Count}, purity {purity:F2}, recall {recall:F2}");
            Assert.True(purity >= 0.85, $"purity {purity:F2}");
            Assert.True(recall >= 0.7, $"recall {recall:F2}");
            // The unflagged circle clusters are camera A's: the marked strategy does not leak into them.
            Assert.True(circle.Clusters.Where(c => !c.Flagged).Sum(CameraB) <= 0.1 * circle.Clusters.Where(c => !c.Flagged).Sum(c => c.Size));
            // Every map is in one cluster; the flagged ones come first in the report, with their reason.
            Assert.Equal(circle.Maps, circle.Clusters.Sum(c => c.Size));
            Assert.Contains("data-strategy-flagged=\"true\"", html);
            // The JSON names the issue's fields.
            var json = System.Text.Json.JsonSerializer.Serialize(audit, AuditReport.Json);
            foreach (var field in new[] { "\"strategies\"", "\"k\"", "\"eigenvalues\"", "\"flagged\"", "\"reason\"", "\"meanMap\"", "\"items\"" })
                Assert.Contains(field, json);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }

    [Fact]
    public async Task The_clean_model_has_no_flagged_cluster()
    {
        var dataRoot = Directory.CreateTempSubdirectory("cam-strategies-clean-").FullName;
        try
        {
            var (audit, html) = await AuditAsync(dataRoot, "shapes-model");
            Describe(audit);

            Assert.Equal(5, audit.Strategies!.Count);
            Assert.All(audit.Strategies, s => Assert.DoesNotContain(s.Clusters, c => c.Flagged));
            Assert.DoesNotContain("data-strategy-flagged=\"true\"", html);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }
}
