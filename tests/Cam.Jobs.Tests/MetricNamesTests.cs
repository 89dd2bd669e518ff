using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cam.Engine;
using Cam.Hosting;
using Cam.Scheduler.Telemetry;
using Cam.Tests.Shared;
using Cam.Worker;
using Cam.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Jobs.Tests;

public class MetricNamesTests
{
    /// <summary>Series the monitoring objects read from other exporters (kube-state-metrics), not from Cam's code.</summary>
    private static readonly string[] External = ["kube_pod_container_status_restarts_total", "kube_pod_container_status_waiting_reason"];

    private static string Monitoring => Path.Combine(RepositoryRoot.Path, "deploy", "k8s", "components", "monitoring");

    [Fact]
    public async Task The_scrape_endpoint_names_each_instrument_as_the_names_the_dashboard_is_checked_against()
    {
        await using var host = await PageHost.StartAsync(apiKey: null, services =>
        {
            services.AddCamInstruments("metric-names-test", WorkerTelemetry.Name, EngineTelemetry.Name);
            services.AddSingleton(new WorkerSettings());
            services.AddHostedService<DeviceMemoryGauges>();
        });
        var job = CamTelemetry.Job(Guid.NewGuid());
        WorkerTelemetry.ItemsProcessed.Add(3, job, CamTelemetry.Outcome("succeeded"));
        WorkerTelemetry.ShardDuration.Record(1.5, CamTelemetry.Outcome("completed"));
        EngineTelemetry.ChunkSize.Record(8);
        SchedulerTelemetry.ShardsPublished.Add(1, CamTelemetry.Job(Guid.NewGuid()));
        using var http = new HttpClient { BaseAddress = host.Address };
        var scraped = await http.GetStringAsync("/metrics");

        var instruments = CamInstruments.All().ToDictionary(i => i.Name);
        foreach (var name in new[] { "cam.items.processed", "cam.shard.duration", "cam.masked_forward.chunk.size", "cam.shards.published",
            "cam.device.memory.used" })
            foreach (var series in CamInstruments.PrometheusNames(instruments[name]))
                Assert.Matches(new Regex($"^{series}[{{ ]", RegexOptions.Multiline), scraped);
        Assert.Matches(new Regex("^cam_items_processed_total\\{[^}]*cam_outcome=\"succeeded\"[^}]*\\} 3", RegexOptions.Multiline), scraped);
    }

    [Fact]
    public void Every_metric_and_label_the_dashboard_and_the_alerts_use_is_one_the_code_defines()
    {
        var instruments = CamInstruments.All();
        var defined = instruments.SelectMany(CamInstruments.PrometheusNames).Concat(External).ToHashSet();
        var labels = new[]
        {
            CamTelemetry.JobAttribute, SchedulerTelemetry.StateAttribute, SchedulerTelemetry.ItemStateAttribute,
                SchedulerTelemetry.JobStateAttribute,
            SchedulerTelemetry.ReasonAttribute, CamTelemetry.OutcomeAttribute, WorkerTelemetry.MethodAttribute, WorkerTelemetry.StageAttribute,
            WorkerTelemetry.DeviceAttribute,
        }.Select(CamInstruments.Label).Concat(["le", "pod", "namespace", "container", "reason", "job", "instance"]).ToHashSet();

        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(Monitoring, "cam-dashboard.json")))!;
        var expressions = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray())
            .Select(t => t!["expr"]!.GetValue<string>()).ToList();
        var rules = File.ReadAllText(Path.Combine(Monitoring, "prometheusrule.yaml"));
        expressions.AddRange(Regex.Matches(rules, @"expr: \|-?\n((?:\s{10,}.*\n)+)").Select(m => m.Groups[1].Value));
        Assert.True(expressions.Count >= 9, $"only {expressions.Count} expressions found");

        var used = new HashSet<string>();
        var usedLabels = new HashSet<string>();
        foreach (var expression in expressions)
        {
            foreach (Match selector in Regex.Matches(expression, @"\{([^}]*)\}"))
                usedLabels.UnionWith(Regex.Matches(selector.Groups[1].Value, @"([a-z_]+)\s*(=~|!=|!~|=)").Select(m => m.Groups[1].Value));
            foreach (Match grouping in Regex.Matches(expression, @"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)"))
                usedLabels.UnionWith(grouping.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            var bare = Regex.Replace(Regex.Replace(expression, @"\{[^}]*\}", " "), @"\b(?:by|without|on|ignoring)\s*\([^)]*\)", " ");
            used.UnionWith(Regex.Matches(bare, @"\b(cam_[a-z0-9_]+|kube_[a-z0-9_]+)\b").Select(m => m.Groups[1].Value));
        }
        Assert.NotEmpty(used);
        Assert.Equal([], used.Where(n => !defined.Contains(n)).Order());
        Assert.Equal([], usedLabels.Where(l => !labels.Contains(l)).Order());
        // The dashboard shows what the issue asks for.
        foreach (var needed in new[] { "cam_items_processed_total", "cam_job_items", "cam_shard_duration_seconds_bucket",
            "cam_device_memory_used_bytes", "cam_shards_outstanding" })
            Assert.Contains(needed, used);
    }
}
