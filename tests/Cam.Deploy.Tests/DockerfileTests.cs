namespace Cam.Deploy.Tests;

/// <summary>The images cannot be built in CI (no registry access); these check what the Dockerfiles promise.</summary>
public class DockerfileTests
{
    public static TheoryData<string, string, int> Images => new()
    {
        { "scheduler.Dockerfile", "Cam.Scheduler", 8080 },
        { "worker-cpu.Dockerfile", "Cam.Worker", 8081 },
        { "worker-gpu.Dockerfile", "Cam.Worker", 8081 },
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
}
