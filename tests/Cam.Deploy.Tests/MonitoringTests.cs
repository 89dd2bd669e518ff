namespace Cam.Deploy.Tests;

/// <summary>The monitoring component (Prometheus Operator objects, the Grafana dashboard) as the cloud overlays render it.</summary>
public class MonitoringTests
{
    public static TheoryData<string> CloudTargets => new("overlays/gke", "overlays/eks", "overlays/aks");

    [Theory]
    [MemberData(nameof(CloudTargets))]
    public void The_scheduler_service_monitor_and_the_worker_pod_monitor_scrape_metrics_on_named_ports_that_exist(string target)
    {
        var rendered = Kustomize.Render(target);
        var monitor = rendered.Single("ServiceMonitor", "cam-scheduler");
        var service = rendered.Single("Service", "cam-scheduler");
        Assert.Equal(Manifest.Str(service["metadata"]!["labels"]!["app.kubernetes.io/name"]),
            Manifest.Str(monitor["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]));
        var endpoint = Manifest.Items(monitor["spec"]!["endpoints"]).Single();
        Assert.Equal("/metrics", Manifest.Str(endpoint["path"]));
        Assert.Contains(Manifest.Items(service["spec"]!["ports"]), p => Manifest.Str(p["name"]) == Manifest.Str(endpoint["port"]));

        var pods = rendered.Single("PodMonitor", "cam-worker");
        var worker = rendered.Single("Deployment", Manifest.WorkerDeployment);
        Assert.Equal(Manifest.Str(worker["spec"]!["template"]!["metadata"]!["labels"]!["app.kubernetes.io/name"]),
            Manifest.Str(pods["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]));
        var podEndpoint = Manifest.Items(pods["spec"]!["podMetricsEndpoints"]).Single();
        Assert.Equal("/metrics", Manifest.Str(podEndpoint["path"]));
        var port = Manifest.Items(Manifest.Container(worker, "worker")["ports"])
            .Single(p => Manifest.Str(p["name"]) == Manifest.Str(podEndpoint["port"]));
        // Prometheus runs in another namespace: a policy lets it reach that port, and only that port.
        var policy = rendered.Single("NetworkPolicy", "cam-worker-metrics");
        var rule = Manifest.Items(policy["spec"]!["ingress"]).Single();
        Assert.Equal([Manifest.Int(port["containerPort"])], Manifest.Items(rule["ports"]).Select(p => Manifest.Int(p["port"])));
        Assert.Equal("monitoring",
            Manifest.Str(Manifest.Items(rule["from"]).Single()["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]));
    }

    [Theory]
    [MemberData(nameof(CloudTargets))]
    public void The_dashboard_config_map_carries_the_sidecar_label_and_the_panels_an_operator_needs(string target)
    {
        var map = Kustomize.Render(target).Single("ConfigMap", "cam-grafana-dashboard");
        Assert.Equal("1", Manifest.Str(map["metadata"]!["labels"]!["grafana_dashboard"]));
        var dashboard = JsonNode.Parse(Manifest.Str(map["data"]!["cam-dashboard.json"])!)!;
        var titles = dashboard["panels"]!.AsArray().Select(p => Manifest.Str(p!["title"])!.ToLowerInvariant()).ToList();
        foreach (var needed in new[] { "throughput", "progress per job", "failures", "shard latency", "device memory", "queue depth" })
            Assert.Contains(titles, t => t.StartsWith(needed));
        Assert.All(dashboard["panels"]!.AsArray(), p => Assert.NotEmpty(p!["targets"]!.AsArray()));
    }

    [Theory]
    [MemberData(nameof(CloudTargets))]
    public void The_alert_rules_cover_a_stalled_job_a_failure_rate_over_5_percent_and_crash_looping_workers(string target)
    {
        var rules = Manifest.Items(Manifest.Items(Kustomize.Render(target).Single("PrometheusRule", "cam")["spec"]!["groups"]).Single()["rules"])
            .ToDictionary(r => Manifest.Str(r["alert"])!, r => Manifest.Str(r["expr"])!);
        Assert.Equal(["CamFailureRateHigh", "CamJobWithoutProgress", "CamWorkersCrashLooping"], rules.Keys.Order());
        Assert.Contains("offset 10m", rules["CamJobWithoutProgress"]);
        Assert.Contains("> 0.05", rules["CamFailureRateHigh"]);
        Assert.Contains("kube_pod_container_status_restarts_total", rules["CamWorkersCrashLooping"]);
    }

    [Fact]
    public void The_base_renders_without_the_operators_kinds_so_it_applies_to_a_cluster_without_its_crds()
    {
        var kinds = Kustomize.Render(Kustomize.Base).Objects.Select(o => Manifest.Str(o["kind"])).ToHashSet();
        Assert.DoesNotContain("ServiceMonitor", kinds);
        Assert.DoesNotContain("PodMonitor", kinds);
        Assert.DoesNotContain("PrometheusRule", kinds);
    }
}
