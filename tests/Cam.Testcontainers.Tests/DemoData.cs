using Cam.Tests.Shared;

namespace Cam.Testcontainers.Tests;

/// <summary>A data root holding the first demo images (samples/shapes) and their manifest, readable by uid 10001.</summary>
public sealed class DemoData : IDisposable
{
    public DemoData(int items)
    {
        var samples = Path.Combine(RepositoryRoot.Path, "samples", "shapes");
        var lines = File.ReadLines(Path.Combine(samples, "manifest.csv")).Take(items + 1).ToList();
        Directory.CreateDirectory(Path.Combine(Root, "images"));
        foreach (var line in lines.Skip(1))
            File.Copy(Path.Combine(samples, line.Split(',')[0]), Path.Combine(Root, line.Split(',')[0]));
        File.WriteAllLines(Path.Combine(Root, "manifest.csv"), lines);
        // The containers run as uid 10001 and mount this folder as it is: others may read it.
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode folder = (UnixFileMode)0b111_101_101, file = (UnixFileMode)0b110_100_100;
            File.SetUnixFileMode(Root, folder);
            File.SetUnixFileMode(Path.Combine(Root, "images"), folder);
            foreach (var path in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)) File.SetUnixFileMode(path, file);
        }
        Items = lines.Skip(1).Select(l => l.Split(',')[0]).ToList();
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("cam-tc-data-").FullName;
    public IReadOnlyList<string> Items { get; }
    public static string Model => Path.Combine(RepositoryRoot.Path, "samples", "shapes-model");

    /// <summary>A builder over this data and the demo model, on the test images CI builds when it names them.</summary>
    public CamBuilder Cam(int workers)
    {
        var builder = new CamBuilder().WithWorkers(workers).WithDataset(Root).WithModel(Model)
            .WithEnvironment("CAM_SHARD_LEASE_SECONDS", "10");
        if (Environment.GetEnvironmentVariable("CAM_TEST_POSTGRES_IMAGE") is { Length: > 0 } postgres
            && Environment.GetEnvironmentVariable("CAM_TEST_RABBITMQ_IMAGE") is { Length: > 0 } rabbitMq)
            builder = builder.WithInfrastructureImages(postgres, rabbitMq);
        return builder;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
