using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

/// <summary>The scheduler describes its API: an OpenAPI document with every jobs endpoint, its responses and their schemas.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OpenApiTests(ServicesFixture services, ITestOutputHelper log)
{
    [Fact]
    public async Task The_scheduler_serves_an_OpenAPI_document_naming_every_jobs_endpoint_with_its_typed_responses()
    {
        using var dataset = TestDataset.Create(goodItems: 1);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 0 });

        var document = (await cluster.Http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();
        var expected = new (string Path, string Verb, string Operation, string[] Responses)[]
        {
            ("/api/jobs", "post", "SubmitJob", ["201", "200", "400"]),
            ("/api/jobs", "get", "ListJobs", ["200"]),
            ("/api/jobs/{id}", "get", "GetJob", ["200", "404"]),
            ("/api/jobs/{id}/results", "get", "ListJobResults", ["200", "404"]),
            ("/api/jobs/{id}/errors", "get", "ListJobErrors", ["200", "404"]),
            ("/api/jobs/{id}/cancel", "post", "CancelJob", ["200", "404"]),
            ("/api/jobs/{id}/export", "get", "ExportJob", ["200", "400", "404"]),
            ("/api/jobs/{id}", "delete", "DeleteJob", ["200", "404"]),
            ("/api/jobs/{id}/report", "get", "GetJobReport", ["200", "404", "409", "503"]),
        };
        foreach (var (path, verb, operation, responses) in expected)
        {
            var op = paths[path]?[verb];
            Assert.True(op is not null,
                $"{verb.ToUpperInvariant()} {path} is not in the document; it has {string.Join(", ", paths.Select(p => p.Key))}");
            Assert.Equal(operation, op!["operationId"]!.GetValue<string>());
            Assert.Equal(responses.Order(), op["responses"]!.AsObject().Select(r => r.Key).Order());
        }

        // The typed results carry their schemas: a job's view and a results page, by their properties.
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.Contains("state", schemas["JobView"]!["properties"]!.AsObject().Select(p => p.Key));
        Assert.Contains("items", schemas["ResultsPage"]!["properties"]!.AsObject().Select(p => p.Key));
        Assert.Contains("numSamples", schemas["MethodSpec"]!["properties"]!.AsObject().Select(p => p.Key));
    }
}
