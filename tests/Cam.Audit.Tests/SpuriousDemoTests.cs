using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Demo;
using Cam.Specs;

namespace Cam.Audit.Tests;

public class SpuriousDemoTests
{
    [Fact]
    public async Task The_audit_of_the_spurious_demo_model_names_the_marked_class_and_the_corner_without_being_told()
    {
        // Fresh images from the same recipe the model was trained on: most circles carry a mark in the top-left corner.
        var dataRoot = Directory.CreateTempSubdirectory("cam-spurious-").FullName;
        try
        {
            new ShapesGenerator(seed: 99, spuriousClass: "circle").Write(dataRoot, 100);
            var modelRoot = Path.Combine(Repository.Root, "samples");
            var database = Path.Combine(dataRoot, "cam.db");
            var spec = new JobSpec
            {
                Dataset = "manifest.csv", Model = "shapes-spurious-model", Methods = [new MethodSpec("cam"), new MethodSpec("scorecam")]
            };
            var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, dataRoot, modelRoot, database, Workers: 1));
            Assert.Equal("completed", summary.State);

            var audit = await AuditReport.WriteAsync(Cam.Storage.StorageSettings.SqliteFile(database), summary.JobId,
                new AuditOptions { DataRoot = dataRoot, ModelRoot = modelRoot, GallerySize = 4 }, Path.Combine(dataRoot, "report.html"));

            var suspicious = audit.Findings.Where(f => f.Suspicious).ToList();
            Assert.Equal(["cam", "scorecam"], suspicious.Select(f => f.Method));
            Assert.All(suspicious, f =>
            {
                Assert.Equal("circle", f.Label);
                Assert.Equal("top-left corner", f.Region);
                Assert.True(f.OnBorder);
            });
            var gallery = audit.Galleries.Single(g => g.Title == "Most suspicious");
            Assert.NotEmpty(gallery.Items);
            Assert.All(gallery.Items, i => Assert.Equal("circle", i.Label));
            Assert.Contains("circle", await File.ReadAllTextAsync(Path.Combine(dataRoot, "report.html")));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }

    [Fact]
    public async Task The_audit_of_the_clean_demo_model_on_clean_data_finds_no_shortcut()
    {
        var dataRoot = Repository.DemoDataRoot(100);
        try
        {
            var modelRoot = Path.Combine(Repository.Root, "samples");
            var database = Path.Combine(dataRoot, "cam.db");
            var spec = new JobSpec
            {
                Dataset = "manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam"), new MethodSpec("scorecam")]
            };
            var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, dataRoot, modelRoot, database, Workers: 1));
            var audit = await AuditReport.WriteAsync(Cam.Storage.StorageSettings.SqliteFile(database), summary.JobId,
                new AuditOptions { DataRoot = dataRoot, ModelRoot = modelRoot, GallerySize = 2 }, Path.Combine(dataRoot, "report.html"));

            Assert.Equal(10, audit.Findings.Count);
            Assert.DoesNotContain(audit.Findings, f => f.Suspicious);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataRoot, recursive: true);
        }
    }
}
