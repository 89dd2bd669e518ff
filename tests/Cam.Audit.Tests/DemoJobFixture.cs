using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Specs;

namespace Cam.Audit.Tests;

/// <summary>The bundled samples, copied where a test may write next to them.</summary>
public static class Repository
{
    public static string Root => Cam.Tests.Shared.RepositoryRoot.Path;

    /// <summary>A data root holding the first <paramref name="count"/> bundled demo images and their manifest.</summary>
    public static string DemoDataRoot(int count)
    {
        var root = Directory.CreateTempSubdirectory("cam-audit-data-").FullName;
        var samples = Path.Combine(Root, "samples", "shapes");
        Directory.CreateDirectory(Path.Combine(root, "images"));
        var lines = File.ReadLines(Path.Combine(samples, "manifest.csv")).Take(count + 1).ToList();
        foreach (var line in lines.Skip(1))
        {
            var path = line.Split(',')[0];
            File.Copy(Path.Combine(samples, path), Path.Combine(root, path));
        }
        File.WriteAllLines(Path.Combine(root, "manifest.csv"), lines);
        return root;
    }
}

/// <summary>
/// One embedded job over 12 demo images with CAM, Score-CAM and Grad-CAM and metrics, and its report, shared by the
/// tests of <see cref="DemoJobCollection"/> (run once for all of them, not once per class).
/// </summary>
public sealed class DemoJobFixture : IAsyncLifetime
{
    public string DataRoot { get; } = Repository.DemoDataRoot(12);
    public string ModelRoot { get; } = Path.Combine(Repository.Root, "samples");
    public string Database => Path.Combine(DataRoot, "cam.db");
    public string Report => Path.Combine(DataRoot, "report.html");
    public EmbeddedSummary Summary { get; private set; } = null!;
    public AuditSummary Audit { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var spec = new JobSpec
        {
            Dataset = "manifest.csv", Model = "shapes-model",
            Methods = [new MethodSpec("cam"), new MethodSpec("scorecam"), new MethodSpec("gradcam")], Metrics = true, ShardSize = 6,
        };
        Summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, DataRoot, ModelRoot, Database, Workers: 1));
        Audit = await AuditReport.WriteAsync(Cam.Storage.StorageSettings.SqliteFile(Database), Summary.JobId,
            new AuditOptions { DataRoot = DataRoot, ModelRoot = ModelRoot, GallerySize = 4 }, Report);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(DataRoot, recursive: true);
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class DemoJobCollection : ICollectionFixture<DemoJobFixture>
{
    public const string Name = "demo job (run once)";
}
