using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Cam.Deploy.Tests;

/// <summary>
/// The overlays run the images CI builds (build/images/build.sh, named by CAM_SCHEDULER_IMAGE / CAM_WORKER_IMAGE):
/// the same names and version tag, and the images have the ports, user and volumes the manifests count on.
/// </summary>
public class ImageTests
{
    private static readonly string Version = Regex.Match(
        File.ReadAllText(Path.Combine(Kustomize.RepoRoot, "Directory.Build.props")), "<Version>([^<]+)</Version>").Groups[1].Value;

    public static TheoryData<string> Targets => new(Kustomize.Targets.Where(t => t != Kustomize.Base));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_overlay_names_the_images_build_sh_tags_with_the_version(string target)
    {
        var rendered = Kustomize.Render(target);
        var worker = target == "overlays/dev" ? "cam-worker" : "cam-worker-gpu";
        Assert.Equal($"cam-scheduler:{Version}",
            Manifest.Str(Manifest.Container(rendered.Single("Deployment", Manifest.SchedulerDeployment), "scheduler")["image"]));
        Assert.Equal($"cam-scheduler:{Version}",
            Manifest.Str(Manifest.Container(rendered.Single("Job", Manifest.MigrationJob), "migrate")["image"]));
        Assert.Equal($"{worker}:{Version}",
            Manifest.Str(Manifest.Container(rendered.Single("Deployment", Manifest.WorkerDeployment), "worker")["image"]));
    }

    [Theory]
    [InlineData(Manifest.SchedulerDeployment, "scheduler", "CAM_SCHEDULER_IMAGE")]
    [InlineData(Manifest.WorkerDeployment, "worker", "CAM_WORKER_IMAGE")]
    public void The_dev_overlay_runs_the_built_image_with_its_ports_user_volumes_and_a_read_only_root(string deployment,
        string name, string variable)
    {
        var rendered = Kustomize.Render("overlays/dev");
        var workload = rendered.Single("Deployment", deployment);
        var container = Manifest.Container(workload, name);
        var named = Manifest.Str(container["image"])!;
        var built = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } image ? image : named;
        Assert.Equal(named.Split(':')[0], built.Split(':')[0]);
        var image = Inspect(built);
        Assert.Equal(Inspect(named)["Id"]!.GetValue<string>(), image["Id"]!.GetValue<string>());

        var config = image["Config"]!;
        var pod = Manifest.PodSpec(workload)["securityContext"]!;
        Assert.Equal($"{Manifest.Int(pod["runAsUser"])}:{Manifest.Int(pod["runAsGroup"])}", config["User"]!.GetValue<string>());
        var exposed = config["ExposedPorts"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var port in Manifest.Items(container["ports"]))
            Assert.Contains($"{Manifest.Int(port["containerPort"])}/tcp", exposed);
        var volumes = config["Volumes"]!.AsObject().Select(v => v.Key).Order().ToList();
        var mounts = Manifest.Items(container["volumeMounts"]).ToDictionary(m => Manifest.Str(m["mountPath"])!);
        Assert.Equal(["/data", "/models"], volumes);
        foreach (var volume in volumes)
            Assert.True(mounts.TryGetValue(volume, out var mount) && Manifest.Str(mount["readOnly"]) == "true",
                $"{deployment} does not mount the image's volume {volume} read-only");
        Assert.Equal("true", Manifest.Str(container["securityContext"]?["readOnlyRootFilesystem"]));
        Assert.True(mounts.ContainsKey("/tmp"), $"{deployment}: a read-only root needs a writable /tmp");
    }

    /// <summary><c>docker image inspect</c> of an image; fails naming build/images/build.sh when it is not there.</summary>
    private static JsonObject Inspect(string image)
    {
        using var docker = Process.Start(new ProcessStartInfo("docker", ["image", "inspect", image])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = docker.StandardOutput.ReadToEnd();
        var errors = docker.StandardError.ReadToEnd();
        docker.WaitForExit();
        Assert.True(docker.ExitCode == 0,
            $"no image {image} ({errors.Trim()}): build it with build/images/build.sh (CI does, in .ci/run)");
        return JsonNode.Parse(output)!.AsArray()[0]!.AsObject();
    }
}
