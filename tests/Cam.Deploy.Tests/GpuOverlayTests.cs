namespace Cam.Deploy.Tests;

public class GpuOverlayTests
{
    /// <summary>Each cloud overlay and the node label its GPU pool is selected by.</summary>
    public static TheoryData<string, string> GpuOverlays => new()
    {
        { "overlays/gke", "cloud.google.com/gke-accelerator" },
        { "overlays/eks", "eks.amazonaws.com/nodegroup" },
        { "overlays/aks", "kubernetes.azure.com/accelerator" },
    };

    public static TheoryData<string> CpuTargets => new(Kustomize.Base, "overlays/dev");

    [Theory]
    [MemberData(nameof(GpuOverlays))]
    public void Gpu_overlays_request_one_gpu_per_worker(string overlay, string _)
    {
        var worker = Manifest.Container(Kustomize.Render(overlay).Single("Deployment", Manifest.WorkerDeployment), "worker");
        Assert.Equal(1, Manifest.Int(worker["resources"]?["limits"]?["nvidia.com/gpu"]));
    }

    [Theory]
    [MemberData(nameof(GpuOverlays))]
    public void Gpu_overlays_run_the_cuda_image_on_the_cuda_device(string overlay, string _)
    {
        var rendered = Kustomize.Render(overlay);
        var worker = Manifest.Container(rendered.Single("Deployment", Manifest.WorkerDeployment), "worker");
        Assert.Contains("cam-worker-gpu", Manifest.Str(worker["image"]));
        Assert.Equal("cuda", Manifest.Env(rendered, worker, "CAM_DEVICE"));
    }

    [Theory]
    [MemberData(nameof(GpuOverlays))]
    public void Gpu_overlays_schedule_workers_on_the_clouds_gpu_nodes(string overlay, string nodeLabel)
    {
        var pod = Manifest.PodSpec(Kustomize.Render(overlay).Single("Deployment", Manifest.WorkerDeployment));
        Assert.False(string.IsNullOrEmpty(Manifest.Str(pod["nodeSelector"]?[nodeLabel])), $"no nodeSelector {nodeLabel}");
        var tolerations = Manifest.Items(pod["tolerations"]).ToList();
        Assert.Contains(tolerations, t => Manifest.Str(t["key"]) == "nvidia.com/gpu" && Manifest.Str(t["effect"]) == "NoSchedule");
    }

    [Fact]
    public void Aks_workers_tolerate_the_gpu_pool_sku_taint()
    {
        var pod = Manifest.PodSpec(Kustomize.Render("overlays/aks").Single("Deployment", Manifest.WorkerDeployment));
        Assert.Contains(Manifest.Items(pod["tolerations"]), t =>
            Manifest.Str(t["key"]) == "sku" && Manifest.Str(t["value"]) == "gpu" && Manifest.Str(t["effect"]) == "NoSchedule");
    }

    [Theory]
    [MemberData(nameof(CpuTargets))]
    public void Cpu_targets_run_the_cpu_worker_without_gpus(string target)
    {
        var rendered = Kustomize.Render(target);
        var deployment = rendered.Single("Deployment", Manifest.WorkerDeployment);
        var worker = Manifest.Container(deployment, "worker");
        Assert.Null(worker["resources"]?["limits"]?["nvidia.com/gpu"]);
        Assert.Null(Manifest.PodSpec(deployment)["nodeSelector"]);
        Assert.DoesNotContain("gpu", Manifest.Str(worker["image"]));
        Assert.Equal("cpu", Manifest.Env(rendered, worker, "CAM_DEVICE"));
    }
}
