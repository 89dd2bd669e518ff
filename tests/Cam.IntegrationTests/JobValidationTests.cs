using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

/// <summary>POST /api/jobs refuses what it cannot run with 400 and a message naming the field; nothing is stored.</summary>
[Collection(ClusterCollection.Name)]
public sealed class JobValidationTests(ServicesFixture services, ITestOutputHelper log)
{
    private static JsonObject Spec(string model = "good", string classes = "top:1", JsonArray? methods = null) => new()
    {
        ["dataset"] = "manifest.csv", ["model"] = model, ["classes"] = classes, ["methods"] = methods
            ?? new JsonArray(new JsonObject { ["name"] = "cam" }),
    };

    private static JsonArray Methods(params JsonObject[] methods) => new(methods.Select(JsonNode (m) => m).ToArray());

    [Fact]
    public async Task Job_specs_out_of_bounds_and_broken_model_packages_are_refused_with_400_naming_the_field()
    {
        using var dataset = TestDataset.Create(goodItems: 2);
        using var models = new TestModelRoot();
        models.AddDemo("good");
        models.AddDemo("bad-json");
        File.WriteAllText(Path.Combine(models.Root, "bad-json", "model.json"), "{ \"format\": \"builtin\", ");
        models.AddDemo("no-preprocess");
        models.EditManifest("no-preprocess", m => m["preprocess"] = null);
        models.AddDemo("seven-classes");
        models.EditManifest("seven-classes", m =>
        {
            m["numClasses"] = 7;
            m["labels"] = new JsonArray("a", "b", "c", "d", "e", "f", "g");
        });
        models.AddDemo("weights-elsewhere");
        models.EditManifest("weights-elsewhere", m => m["file"] = "../good/weights.safetensors");
        models.AddDemo("weights-linked-out");
        File.Delete(Path.Combine(models.Root, "weights-linked-out", "weights.safetensors"));
        File.CreateSymbolicLink(Path.Combine(models.Root, "weights-linked-out", "weights.safetensors"),
            Path.Combine(models.Root, "good", "weights.safetensors"));
        models.AddDemo("no-dtype");
        models.EditWeightsHeader("no-dtype", h => h["fc.bias"]!.AsObject().Remove("dtype"));
        models.AddDemo("negative-shape");
        models.EditWeightsHeader("negative-shape", h => h["fc.bias"]!["shape"] = new JsonArray(-5));
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 0, ModelRoot = models.Root });

        var cases = new (string Field, JsonObject Spec)[]
        {
            ("classes", Spec(classes: "999999")),
            ("classes", Spec(classes: "1,5")),
            ("classes", Spec(classes: "top:100000")),
            ("classes", Spec(classes: "top:6")),
            ("methods[0].numSamples", Spec(methods: Methods(new JsonObject { ["name"] = "sscam", ["numSamples"] = 2_000_000_000 }))),
            ("methods[1].numSamples",
                Spec(methods: Methods(new JsonObject { ["name"] = "cam" }, new JsonObject { ["name"] = "iscam", ["numSamples"] = 257 }))),
            ("methods[0].std", Spec(methods: Methods(new JsonObject { ["name"] = "sscam", ["std"] = 0 }))),
            ("methods[0].std", Spec(methods: Methods(new JsonObject { ["name"] = "sscam", ["std"] = -1.5 }))),
            ("methods", Spec(methods: Methods(Enumerable.Range(0, 9).Select(i => new JsonObject { ["name"] = "sscam", ["seed"] = i }).ToArray()))),
            ("methods", Spec(methods: Methods(new JsonObject { ["name"] = "no-such-cam" }))),
            ("methods", Spec(methods: Methods(new JsonObject { ["name"] = "cam" }, new JsonObject { ["name"] = "cam" }))),
            ("model", Spec(model: "bad-json")),
            ("model", Spec(model: "no-preprocess")),
            ("model", Spec(model: "seven-classes")),
            ("model", Spec(model: "weights-elsewhere")),
            ("model", Spec(model: "weights-linked-out")),
            ("model", Spec(model: "no-dtype")),
            ("model", Spec(model: "negative-shape")),
            ("model", Spec(model: "../" + Path.GetFileName(dataset.Root))),
        };
        foreach (var (field, spec) in cases)
        {
            using var response = await cluster.Http.PostAsJsonAsync("/api/jobs", spec);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{spec.ToJsonString()} answered {(int)response.StatusCode}: {body}");
            var detail = JsonNode.Parse(body)!["detail"]!.GetValue<string>();
            Assert.True(detail.StartsWith(field + ":", StringComparison.Ordinal),
                $"{spec.ToJsonString()}: the message does not name {field}: {detail}");
        }

        Assert.Empty((await cluster.Http.GetFromJsonAsync<JsonArray>("/api/jobs"))!);
        using var accepted = await cluster.Http.PostAsJsonAsync("/api/jobs",
            Spec(classes: "top:5", methods: Methods(new JsonObject { ["name"] = "sscam", ["numSamples"] = 256, ["std"] = 0.5 })));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task A_request_body_over_1_MiB_is_refused_with_400_naming_the_body()
    {
        using var dataset = TestDataset.Create(goodItems: 1);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 0 });

        var padding = new string('x', 1024 * 1024);
        var json = $"{{\"dataset\": \"manifest.csv\", \"model\": \"shapes-model\", \"comment\": \"{padding}\"}}";
        using var response = await cluster.Http.PostAsync("/api/jobs", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("body:", JsonNode.Parse(body)!["detail"]!.GetValue<string>());
        Assert.Empty((await cluster.Http.GetFromJsonAsync<JsonArray>("/api/jobs"))!);
    }
}
