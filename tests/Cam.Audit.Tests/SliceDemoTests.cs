using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Demo;
using Cam.Specs;

namespace Cam.Audit.Tests;

public class SliceDemoTests
{
    /// <summary>240 shapes from three cameras; only camera C's images carry the mark that the spurious model learned for circles.</summary>
    private static async Task<AuditSummary> AuditAsync(string dataRoot, string model)
    {
        new ShapesGenerator(seed: 41, spuriousClass: "circle", cameras: ["A", "B", "C"], markedCamera: "C").Write(dataRoot, 240);
        var modelRoot = Path.Combine(Repository.Root, "samples");
        var database = Path.Combine(dataRoot, "cam.db");
        var spec = new JobSpec { Dataset = "manifest.csv", Model = model, Methods = [new MethodSpec("cam")] };
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, dataRoot, modelRoot, database, Workers: 1));
        Assert.Equal("completed", summary.State);
        return await AuditReport.WriteAsync(Cam.Storage.StorageSettings.SqliteFile(database), summary.JobId,
            new AuditOptions { DataRoot = dataRoot, ModelRoot = modelRoot, GallerySize = 2, SliceBy = "camera" },
                Path.Combine(dataRoot, "report.html"));
    }

    [Fact]
    public async Task The_camera_whose_images_carry_the_mark_stands_out_with_the_circle_shortcut_and_the_others_do_not()
    {
        var dataRoot = Directory.CreateTempSubdirectory("cam-slices-").FullName;
        try
        {
            var audit = await AuditAsync(dataRoot, "shapes-spurious-model");

            Assert.Equal(["A", "B", "C"], audit.Slices!.Slices.Select(s => s.Value));
            var marked = audit.Slices.Slices.Single(s => s.Value == "C");
            var shortcut = Assert.Single(marked.Findings, f => f.Suspicious);
            Assert.Equal(("circle", "top-left corner"), (shortcut.Label, shortcut.Region));
            Assert.NotEmpty(marked.StandsOut);
            Assert.All(audit.Slices.Slices.Where(s => s.Value != "C"), s =>
            {
                Assert.DoesNotContain(s.Findings, f => f.Suspicious);
                Assert.Empty(s.StandsOut);
            });
            // The slice's figures are its items' alone: 240 items split over the three cameras.
            Assert.Equal(240, audit.Slices.Slices.Sum(s => s.Items));
            var html = await File.ReadAllTextAsync(Path.Combine(dataRoot, "report.html"));
            Assert.Contains("data-slice=\"C\" data-stands-out=\"true\"", html);
            Assert.Contains("data-slice=\"A\" data-stands-out=\"false\"", html);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }

    [Fact]
    public async Task With_the_clean_model_no_camera_stands_out()
    {
        var dataRoot = Directory.CreateTempSubdirectory("cam-slices-clean-").FullName;
        try
        {
            var audit = await AuditAsync(dataRoot, "shapes-model");

            Assert.Equal(3, audit.Slices!.Slices.Count);
            Assert.All(audit.Slices.Slices, s => Assert.Empty(s.StandsOut));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }
}
