namespace Cam.Deploy.Tests;

public class LifecycleTests
{
    public static TheoryData<string> Targets => new(Kustomize.Targets);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Shutdown_timeouts_are_ordered_grace_period_first_lease_last(string target)
    {
        var rendered = Kustomize.Render(target);
        var deployment = rendered.Single("Deployment", Manifest.WorkerDeployment);
        var worker = Manifest.Container(deployment, "worker");
        int Setting(string name) =>
            int.Parse(Manifest.Env(rendered, worker, name) ?? throw new Xunit.Sdk.XunitException($"{target}: worker has no {name}"));

        var grace = Manifest.Int(Manifest.PodSpec(deployment)["terminationGracePeriodSeconds"]);
        var shutdown = Setting("CAM_SHUTDOWN_TIMEOUT_SECONDS");
        var stop = Setting("CAM_WORKER_STOP_TIMEOUT_SECONDS");
        var lease = Setting("CAM_SHARD_LEASE_SECONDS");
        Assert.True(grace > shutdown && shutdown > stop && stop > lease,
            $"{target}: need terminationGracePeriodSeconds ({grace}) > CAM_SHUTDOWN_TIMEOUT_SECONDS ({shutdown}) > CAM_WORKER_STOP_TIMEOUT_SECONDS " +
                $"({stop}) > CAM_SHARD_LEASE_SECONDS ({lease})");
    }

    [Theory]
    [InlineData("base", Manifest.SchedulerDeployment, "scheduler", 8080)]
    [InlineData("base", Manifest.WorkerDeployment, "worker", 8081)]
    [InlineData("overlays/dev", Manifest.SchedulerDeployment, "scheduler", 8080)]
    [InlineData("overlays/dev", Manifest.WorkerDeployment, "worker", 8081)]
    [InlineData("overlays/gke", Manifest.SchedulerDeployment, "scheduler", 8080)]
    [InlineData("overlays/gke", Manifest.WorkerDeployment, "worker", 8081)]
    [InlineData("overlays/eks", Manifest.SchedulerDeployment, "scheduler", 8080)]
    [InlineData("overlays/eks", Manifest.WorkerDeployment, "worker", 8081)]
    [InlineData("overlays/aks", Manifest.SchedulerDeployment, "scheduler", 8080)]
    [InlineData("overlays/aks", Manifest.WorkerDeployment, "worker", 8081)]
    public void Scheduler_and_worker_probe_their_health_endpoints(string target, string deployment, string container, int port)
    {
        var c = Manifest.Container(Kustomize.Render(target).Single("Deployment", deployment), container);
        Assert.Contains(Manifest.Items(c["ports"]), p => Manifest.Int(p["containerPort"]) == port);
        Assert.Equal("/health/live", Manifest.Str(c["livenessProbe"]?["httpGet"]?["path"]));
        Assert.Equal(port, Manifest.Int(c["livenessProbe"]?["httpGet"]?["port"]));
        Assert.Equal("/health/ready", Manifest.Str(c["readinessProbe"]?["httpGet"]?["path"]));
        Assert.Equal(port, Manifest.Int(c["readinessProbe"]?["httpGet"]?["port"]));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Migrations_run_once_in_a_job_not_at_scheduler_start(string target)
    {
        var rendered = Kustomize.Render(target);
        var job = rendered.Single("Job", Manifest.MigrationJob);
        var migrate = Assert.Single(Manifest.Containers(Manifest.PodSpec(job)));
        var argv = (migrate["command"]?.AsArray() ?? []).Concat(migrate["args"]?.AsArray() ?? []).Select(Manifest.Str);
        Assert.Equal(["dotnet", "Cam.SchedulerHost.dll", "migrate"], argv);

        var scheduler = Manifest.Container(rendered.Single("Deployment", Manifest.SchedulerDeployment), "scheduler");
        Assert.Equal(Manifest.Str(scheduler["image"]), Manifest.Str(migrate["image"]));
        Assert.Equal("false", Manifest.Env(rendered, scheduler, "CAM_MIGRATE_ON_START"));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Scheduler_is_a_single_instance_guarded_by_a_disruption_budget(string target)
    {
        var rendered = Kustomize.Render(target);
        var deployment = rendered.Single("Deployment", Manifest.SchedulerDeployment);
        Assert.Equal(1, Manifest.Int(deployment["spec"]?["replicas"]));
        Assert.Equal("Recreate", Manifest.Str(deployment["spec"]?["strategy"]?["type"]));
        var pdb = Assert.Single(rendered.OfKind("PodDisruptionBudget"));
        Assert.Equal("cam-scheduler", Manifest.Str(pdb["spec"]?["selector"]?["matchLabels"]?["app.kubernetes.io/name"]));
        Assert.Equal(1, Manifest.Int(pdb["spec"]?["minAvailable"]));
    }
}
