using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.IntegrationTests.Infrastructure;
using Cam.Specs;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

/// <summary>
/// The scheduler asks a worker over the bus whether each method applies before it accepts a job; refusals are 400s,
/// a dry run answers the cost preview, and a method failing on one item costs only its own result — as embedded.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MethodApplicabilityClusterTests(ServicesFixture services, ITestOutputHelper log)
{
    private sealed record Row(long Item, string Method, int Class, float[] Map);

    private static JsonObject Spec(string model, params string[] methods) => new()
    {
        ["dataset"] = ApplicabilityWorkspace.Manifest, ["model"] = model, ["shardSize"] = 16,
        ["methods"] = new JsonArray(methods.Select(JsonNode (m) => new JsonObject { ["name"] = m }).ToArray()),
    };

    [Fact]
    public async Task Inapplicable_methods_are_refused_with_400_a_dry_run_previews_the_cost_and_method_failures_agree_with_the_embedded_run()
    {
        using var workspace = new ApplicabilityWorkspace(demoImages: 4);
        using var dataset = TestDataset.Over(workspace.DataRoot, workspace.Items);
        var white = workspace.Items - 1;
        List<Row> distributed;
        List<(string Method, long? Item, string Stage)> distributedErrors;
        await using (var cluster =
            await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 1, ModelRoot = workspace.ModelRoot }))
        {
            // A submission waits for the worker's probe (it loads the package, times forwards): longer than the cluster client's 10 s on a busy
            // machine.
            using var http = new HttpClient { BaseAddress = cluster.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Add("X-Api-Key", TestCluster.ApiKey);
            foreach (var (spec, message) in new[]
                     {
                         (Spec("mobilenet-head", "cam", "scorecam"),
                             "methods: method 'cam' does not apply to model 'mobilenet-head': its fully connected layer 'model.classifier.3' takes " +
                                 "256 features but layer 'features' has 144 channels"),
                         (Spec("detached", "scorecam", "gradcam"),
                             "methods: method 'gradcam' does not apply to model 'detached': no gradient reaches the target layers"),
                     })
            {
                using var refused = await http.PostAsJsonAsync("/api/jobs", spec);
                var body = await refused.Content.ReadAsStringAsync();
                Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{spec.ToJsonString()} answered {(int)refused.StatusCode}: {body}");
                Assert.StartsWith(message, JsonNode.Parse(body)!["detail"]!.GetValue<string>());
            }

            using var dryRun = await http.PostAsJsonAsync("/api/jobs?dryRun=true&workers=3", Spec("linear-head", "cam", "scorecam"));
            Assert.Equal(HttpStatusCode.OK, dryRun.StatusCode);
            var plan = JsonNode.Parse(await dryRun.Content.ReadAsStringAsync())!;
            // linear-head's features have 8 channels: CAM 1 forward, Score-CAM 1 + those not constant on the sample images.
            Assert.Equal(workspace.Items, plan["items"]!.GetValue<long>());
            Assert.Equal(8, plan["layers"]![0]!["channels"]!.GetValue<long>());
            var share = plan["layers"]![0]!["activeShare"]!.GetValue<double>();
            Assert.InRange(share, 0.01, 1);
            var perItem = 1 + 1 + (long)Math.Round(share * 8);
            Assert.Equal(perItem, plan["forwardsPerItem"]!.GetValue<long>());
            var rate = plan["forwardsPerSecond"]!.GetValue<double>();
            Assert.True(rate > 0);
            Assert.Equal(workspace.Items * perItem / rate / 3, plan["wallSeconds"]!.GetValue<double>(), 6);
            Assert.Empty((await cluster.Http.GetFromJsonAsync<JsonArray>("/api/jobs"))!);

            using var accepted = await http.PostAsJsonAsync("/api/jobs", Spec("linear-head", "cam", "gradcam", "scorecam"));
            Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
            var id = JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>();
            var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));
            Assert.Equal("completed_with_errors", TestCluster.State(job));
            Assert.Equal((workspace.Items, 0L), (job["succeeded"]!.GetValue<long>(), job["failed"]!.GetValue<long>()));
            var tallies = job["methods"]!.AsArray()
                .ToDictionary(m => m!["method"]!.GetValue<string>(), m => (m!["results"]!.GetValue<long>(), m["failedItems"]!.GetValue<long>()));
            Assert.Equal(((long)workspace.Items, 0L), tallies["cam"]);
            Assert.Equal(((long)white, 1L), tallies["gradcam"]);
            Assert.Equal(((long)workspace.Items, 0L), tallies["scorecam"]);
            var errors = (await cluster.Http.GetFromJsonAsync<JsonObject>($"/api/jobs/{id}/errors"))!["items"]!.AsArray();
            Assert.Equal(("gradcam", white), (errors.Single()!["method"]!.GetValue<string>(), errors.Single()!["item"]!.GetValue<long>()));

            distributed = (await cluster.Postgres.RowsAsync("SELECT item_number, method, class_index, map FROM results WHERE job_id = @id",
                ("id", id)))
                .Select(r => new Row((long)r[0], (string)r[1], (int)r[2], ResultRow.DecodeMap((byte[])r[3]))).ToList();
            distributedErrors = (await cluster.Postgres.RowsAsync("SELECT method, item_number, stage FROM item_errors WHERE job_id = @id",
                ("id", id)))
                .Select(r => ((string)r[0], (long?)r[1], (string)r[2])).ToList();
        }

        var database = Path.Combine(workspace.Root, "embedded.db");
        var embeddedSpec = new JobSpec
        {
            Dataset = ApplicabilityWorkspace.Manifest, Model = "linear-head", ShardSize = 16,
            Methods = [new MethodSpec("cam"), new MethodSpec("gradcam"), new MethodSpec("scorecam")],
        };
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(embeddedSpec, workspace.DataRoot, workspace.ModelRoot, database, Workers: 1));
        Assert.Equal("completed_with_errors", summary.State);
        var embedded = new List<Row>();
        var embeddedErrors = new List<(string, long?, string)>();
        await using (var connection = new SqliteConnection($"Data Source={database}"))
        {
            await connection.OpenAsync();
            await using (var command = new SqliteCommand("SELECT item_number, method, class_index, map FROM results", connection))
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    embedded.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), ResultRow.DecodeMap((byte[])reader[3])));
            await using (var command = new SqliteCommand("SELECT method, item_number, stage FROM item_errors", connection))
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    embeddedErrors.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetString(2)));
        }
        SqliteConnection.ClearAllPools();

        Assert.Equal(distributedErrors, embeddedErrors);
        Assert.Equal(3 * workspace.Items - 1, distributed.Count);
        var byKey = embedded.ToDictionary(r => (r.Item, r.Method));
        Assert.Equal(distributed.Count, byKey.Count);
        foreach (var d in distributed)
        {
            var e = byKey[(d.Item, d.Method)];
            Assert.Equal(d.Class, e.Class);
            for (var i = 0; i < d.Map.Length; i++) Assert.Equal(d.Map[i], e.Map[i], 4);
        }
    }
}
