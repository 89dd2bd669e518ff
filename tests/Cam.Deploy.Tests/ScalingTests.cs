using Cam.Contracts;

namespace Cam.Deploy.Tests;

public class ScalingTests
{
    public static TheoryData<string> Targets => new(Kustomize.Targets);

    private static JsonObject Scaler(Rendered rendered) =>
        rendered.OfKind("ScaledObject").SingleOrDefault() ?? throw new Xunit.Sdk.XunitException($"{rendered}: no ScaledObject");

    [Theory]
    [MemberData(nameof(Targets))]
    public void Worker_scaler_watches_the_queue_the_worker_consumes(string target)
    {
        var scaler = Scaler(Kustomize.Render(target));
        Assert.Equal(Manifest.WorkerDeployment, Manifest.Str(scaler["spec"]?["scaleTargetRef"]?["name"]));
        var trigger = Assert.Single(Manifest.Items(scaler["spec"]?["triggers"]));
        Assert.Equal("rabbitmq", Manifest.Str(trigger["type"]));
        Assert.Equal(QueueNames.ExplainShard, Manifest.Str(trigger["metadata"]?["queueName"]));
        Assert.Equal("QueueLength", Manifest.Str(trigger["metadata"]?["mode"]));
        Assert.Equal("http", Manifest.Str(trigger["metadata"]?["protocol"]));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Worker_scaler_counts_running_shards_and_scales_to_zero(string target)
    {
        var scaler = Scaler(Kustomize.Render(target));
        var trigger = Assert.Single(Manifest.Items(scaler["spec"]?["triggers"]));
        Assert.Equal("true", Manifest.Str(trigger["metadata"]?["includeUnacked"]));
        Assert.Equal(0, Manifest.Int(scaler["spec"]?["minReplicaCount"]));
        Assert.True(Manifest.Int(scaler["spec"]?["maxReplicaCount"]) >= 1);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Worker_scaler_queue_length_target_matches_the_worker_concurrency(string target)
    {
        var rendered = Kustomize.Render(target);
        var trigger = Assert.Single(Manifest.Items(Scaler(rendered)["spec"]?["triggers"]));
        var worker = Manifest.Container(rendered.Single("Deployment", Manifest.WorkerDeployment), "worker");
        Assert.Equal(Manifest.Env(rendered, worker, "CAM_WORKER_CONCURRENCY") ?? "1", Manifest.Str(trigger["metadata"]?["value"]));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Worker_scaler_reads_broker_credentials_from_the_secret(string target)
    {
        var rendered = Kustomize.Render(target);
        var trigger = Assert.Single(Manifest.Items(Scaler(rendered)["spec"]?["triggers"]));
        Assert.Null(trigger["metadata"]?["host"]);
        var auth = rendered.Single("TriggerAuthentication", Manifest.Str(trigger["authenticationRef"]?["name"])!);
        var host = Assert.Single(Manifest.Items(auth["spec"]?["secretTargetRef"]));
        Assert.Equal("host", Manifest.Str(host["parameter"]));
        Assert.Equal("cam-secrets", Manifest.Str(host["name"]));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Worker_replicas_are_left_to_the_scaler(string target) =>
        Assert.Null(Kustomize.Render(target).Single("Deployment", Manifest.WorkerDeployment)["spec"]?["replicas"]);
}
