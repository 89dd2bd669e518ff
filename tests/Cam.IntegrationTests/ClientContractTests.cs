using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cam.Client;
using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

/// <summary>
/// Cam.Client against the scheduler's OpenAPI document: the served document is the committed docs/openapi.json, and
/// the client's operations and types are the document's (a change on either side fails here until both agree).
/// Regenerate the committed document with CAM_UPDATE_OPENAPI=1 after an intended API change.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClientContractTests(ServicesFixture services, ITestOutputHelper log)
{
    private static readonly string CommittedPath = Path.Combine(TestEnvironment.RepositoryRoot, "docs", "openapi.json");
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static JsonObject Committed() => JsonNode.Parse(File.ReadAllText(CommittedPath))!.AsObject();

    [Fact]
    public async Task The_served_OpenAPI_document_is_the_committed_docs_openapi_json()
    {
        using var dataset = TestDataset.Create(goodItems: 1);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 0 });
        var served = (await cluster.Http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        served.Remove("servers"); // the address the test happened to listen on
        var text = served.ToJsonString(Indented) + "\n";
        if (Environment.GetEnvironmentVariable("CAM_UPDATE_OPENAPI") == "1") File.WriteAllText(CommittedPath, text);
        Assert.True(File.ReadAllText(CommittedPath) == text,
            "the scheduler's OpenAPI document differs from docs/openapi.json: update Cam.Client to the change, then " +
            "regenerate the file (CAM_UPDATE_OPENAPI=1 dotnet test tests/Cam.IntegrationTests --filter ClientContractTests)");
    }

    [Fact]
    public void The_client_calls_the_documents_operations_with_their_verbs_paths_and_query_parameters()
    {
        var paths = Committed()["paths"]!.AsObject();
        foreach (var operation in CamApi.Operations)
        {
            var documented = paths[operation.Path]?[operation.Method]?.AsObject();
            Assert.True(documented is not null, $"{operation.Method} {operation.Path} is not in docs/openapi.json");
            Assert.Equal(operation.OperationId, documented!["operationId"]!.GetValue<string>());
            var query = (documented["parameters"]?.AsArray() ?? []).Where(p => p!["in"]!.GetValue<string>() == "query")
                .Select(p => p!["name"]!.GetValue<string>());
            Assert.Equal(query.Order(), operation.Query.Order());
        }
    }

    /// <summary>The client's wire types: each is the document's schema of the same name.</summary>
    public static TheoryData<string> ClientTypes() => new(typeof(CamClient).Assembly.GetExportedTypes()
        .Where(t => t.Namespace == "Cam.Client" && t.GetMethod("<Clone>$") is not null && t != typeof(CamApiOperation))
        .Select(t => t.Name));

    [Theory]
    [MemberData(nameof(ClientTypes))]
    public void A_client_type_has_exactly_the_properties_of_its_schema_with_compatible_JSON_types(string name)
    {
        var type = typeof(CamClient).Assembly.GetType($"Cam.Client.{name}")!;
        var schema = Committed()["components"]?["schemas"]?[name]?.AsObject();
        Assert.True(schema is not null, $"docs/openapi.json has no schema {name}");
        var documented = schema!["properties"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!);
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null) // positional and init properties: what the client reads and writes
            .ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name));
        Assert.Equal(documented.Keys.Order(), properties.Keys.Order());
        foreach (var (property, info) in properties)
        {
            var expected = JsonType(info.PropertyType);
            var types = Types(documented[property]);
            Assert.True(expected is null || types.Count == 0 || types.Contains(expected),
                $"{name}.{property}: the client reads {info.PropertyType.Name} ({expected}), the document says {string.Join("|", types)}");
        }
    }

    [Fact]
    public async Task The_client_submits_plans_reads_and_cancels_and_names_what_the_scheduler_refuses()
    {
        using var dataset = TestDataset.Create(goodItems: 3);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 0 });
        using var cam = new CamClient(cluster.Http.BaseAddress!, TestCluster.ApiKey);
        var job = new JobSpec { Dataset = dataset.Manifest, Model = "shapes-model", Methods = [new("cam")], ShardSize = 2 };

        var plan = await cam.PlanAsync(job, workers: 2);
        Assert.Equal(3, plan.Items);
        Assert.Equal(2, plan.Workers);
        Assert.False(plan.Probed); // no worker answered the probe

        var id = await cam.SubmitAsync(job);
        var view = await cam.GetJobAsync(id);
        Assert.Equal((id, JobStates.Running), (view.Id, view.State));
        Assert.Contains(await cam.ListJobsAsync(), j => j.Id == id);
        var results = await cam.GetResultsAsync(id);
        Assert.Equal((0, (long?)null), (results.Items.Count, results.Next));
        Assert.Empty((await cam.GetErrorsAsync(id)).Items);

        var cancelled = await cam.CancelAsync(id);
        Assert.Equal((JobStates.Cancelled, "cancelled"), (cancelled.State, cancelled.Message));
        Assert.True((await cam.WaitAsync(id)).IsFinal);

        var rejected = await Assert.ThrowsAsync<JobRejectedException>(() => cam.SubmitAsync(job with { Classes = "top:100000" }));
        Assert.Equal("classes", rejected.Field);
        Assert.Contains("classes", rejected.Message);
        var missing = Guid.NewGuid();
        var notFound = await Assert.ThrowsAsync<JobNotFoundException>(() => cam.GetJobAsync(missing));
        Assert.Contains(missing.ToString(), notFound.Detail);
        using var stranger = new CamClient(cluster.Http.BaseAddress!, "not-the-key");
        var refused = await Assert.ThrowsAsync<CamApiException>(() => stranger.GetJobAsync(id));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
    }

    /// <summary>The JSON type a CLR type is written as; null where any is acceptable (JsonElement).</summary>
    private static string? JsonType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(JsonElement)) return null;
        if (type == typeof(string) || type == typeof(Guid) || type == typeof(DateTime)) return "string";
        if (type == typeof(bool)) return "boolean";
        if (type == typeof(int) || type == typeof(long)) return "integer";
        if (type == typeof(float) || type == typeof(double)) return "number";
        if (type.IsArray || type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)) return "array";
        return "object";
    }

    /// <summary>The JSON types a schema allows (a $ref is an object; none for an open schema).</summary>
    private static HashSet<string> Types(JsonNode schema)
    {
        if (schema["$ref"] is not null) return ["object"];
        return schema["type"] switch
        {
            JsonArray many => many.Select(t => t!.GetValue<string>()).ToHashSet(),
            JsonValue one => [one.GetValue<string>()],
            _ => [],
        };
    }
}
