using System.Xml.Linq;

namespace Cam.Deploy.Tests;

/// <summary>The images cannot be built in CI (no registry access); these check what the Dockerfiles promise.</summary>
public class DockerfileTests
{
    public static TheoryData<string, string, int> Images => new()
    {
        { "scheduler.Dockerfile", "Cam.SchedulerHost", 8080 },
        { "worker-cpu.Dockerfile", "Cam.WorkerHost", 8081 },
        { "worker-gpu.Dockerfile", "Cam.WorkerHost", 8081 },
    };

    private static string[] Lines(string file) =>
        File.ReadAllLines(Path.Combine(Kustomize.RepoRoot, "deploy", "docker", file)).Select(l => l.Trim()).ToArray();

    [Theory]
    [MemberData(nameof(Images))]
    public void Images_build_on_the_noble_sdk_and_run_as_cam(string file, string project, int port)
    {
        var lines = Lines(file);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build", lines.First(l => l.StartsWith("FROM ")));
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet publish") && l.Contains($"src/{project}/{project}.csproj"));
        Assert.Contains(lines, l => l.Contains("useradd") && l.Contains("--uid 10001") && l.Contains(" cam"));
        Assert.Equal("USER 10001:10001", lines.Last(l => l.StartsWith("USER ")));
        Assert.Contains($"EXPOSE {port}", lines);
        Assert.Contains("VOLUME [\"/data\", \"/models\"]", lines);
        Assert.Contains(lines, l => l.Contains("CAM_DATA_ROOT=/data"));
        Assert.Contains(lines, l => l.Contains("CAM_MODEL_ROOT=/models"));
        Assert.Equal($"ENTRYPOINT [\"dotnet\", \"{project}.dll\"]", lines.Last(l => l.StartsWith("ENTRYPOINT")));
    }

    [Theory]
    [InlineData("scheduler.Dockerfile", "mcr.microsoft.com/dotnet/aspnet:10.0-noble")]
    [InlineData("worker-cpu.Dockerfile", "mcr.microsoft.com/dotnet/aspnet:10.0-noble")]
    [InlineData("worker-gpu.Dockerfile", "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04")]
    public void Runtime_stages_are_ubuntu_24_04_so_torchsharp_needs_no_libstdcxx_patch(string file, string runtime) =>
        Assert.Equal($"FROM {runtime}", Lines(file).Last(l => l.StartsWith("FROM ")));

    [Theory]
    [InlineData("worker-cpu.Dockerfile", "cpu")]
    [InlineData("worker-gpu.Dockerfile", "cuda")]
    public void Worker_images_restore_and_publish_their_torch_backend(string file, string backend)
    {
        var lines = Lines(file);
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet restore") && l.Contains($"-p:TorchBackend={backend}"));
        Assert.Contains(lines, l => l.Contains("--no-restore") && l.Contains($"-p:TorchBackend={backend}"));
    }

    /// <summary>The project and every project it references, transitively, as paths relative to the repository root.</summary>
    private static IReadOnlyList<string> ProjectClosure(string project)
    {
        var seen = new List<string>();
        var pending = new Stack<string>([Path.GetFullPath(Path.Combine(Kustomize.RepoRoot, project))]);
        while (pending.TryPop(out var path))
        {
            var relative = Path.GetRelativePath(Kustomize.RepoRoot, path).Replace('\\', '/');
            if (seen.Contains(relative)) continue;
            seen.Add(relative);
            foreach (var reference in XDocument.Load(path).Descendants("ProjectReference"))
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, reference.Attribute("Include")!.Value)));
        }
        return seen;
    }

    [Fact]
    public void The_scheduler_and_the_projects_it_references_use_no_torch_backend()
    {
        var closure = ProjectClosure("src/Cam.SchedulerHost/Cam.SchedulerHost.csproj");
        Assert.Contains("src/Cam.Datasets/Cam.Datasets.csproj", closure);
        Assert.Contains("src/Cam.Specs/Cam.Specs.csproj", closure);
        foreach (var project in closure)
        {
            var xml = XDocument.Load(Path.Combine(Kustomize.RepoRoot, project));
            Assert.False(xml.Descendants("UsesTorchBackend").Any(e => e.Value.Trim() == "true"), $"{project} uses the torch backend");
            Assert.DoesNotContain(xml.Descendants("PackageReference"), r => r.Attribute("Include")!.Value.StartsWith("TorchSharp"));
        }
    }

    [Theory]
    [InlineData("scheduler.Dockerfile", "src/Cam.SchedulerHost/Cam.SchedulerHost.csproj")]
    [InlineData("worker-cpu.Dockerfile", "src/Cam.WorkerHost/Cam.WorkerHost.csproj")]
    [InlineData("worker-gpu.Dockerfile", "src/Cam.WorkerHost/Cam.WorkerHost.csproj")]
    public void The_restore_layer_copies_every_project_file_the_image_builds(string file, string project)
    {
        var lines = Lines(file);
        foreach (var reference in ProjectClosure(project))
            Assert.Contains(lines, l => l.StartsWith("COPY ") && l.Contains(reference));
    }
}
