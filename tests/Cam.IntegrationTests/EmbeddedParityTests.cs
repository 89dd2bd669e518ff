using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.IntegrationTests.Infrastructure;
using Cam.Specs;
using Cam.Storage.Entities;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

[Collection(ClusterCollection.Name)]
public sealed class EmbeddedParityTests(ServicesFixture services, ITestOutputHelper log)
{
    private sealed record Row(long Item, string Method, string Layer, int Class, int Rank, float Probability, float[] Map);

    [Fact]
    public async Task The_embedded_run_stores_the_same_results_as_the_distributed_run()
    {
        using var dataset = TestDataset.Create(goodItems: 12);
        List<Row> distributed;
        await using (var cluster = await TestCluster.StartAsync(services, log, dataset))
        {
            var id = await cluster.SubmitAsync(["cam", "scorecam"], classes: "top:2", shardSize: 5);
            Assert.Equal("completed", TestCluster.State(await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3))));
            distributed = (await cluster.Postgres.RowsAsync(
                    "SELECT item_number, method, layer, class_index, class_rank, probability, map FROM results WHERE job_id = @id", ("id", id)))
                .Select(r => new Row((long)r[0], (string)r[1], (string)r[2], (int)r[3], (int)r[4], (float)r[5],
                    ResultRow.DecodeMap((byte[])r[6]))).ToList();
        }

        var database = Path.Combine(dataset.Root, "embedded.db");
        var spec = new JobSpec
        {
            Dataset = dataset.Manifest, Model = "shapes-model", Methods = [new MethodSpec("cam"), new MethodSpec("scorecam")],
            Classes = "top:2", ShardSize = 5,
        };
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, dataset.Root,
            Path.Combine(TestEnvironment.RepositoryRoot, "samples"), database, Workers: 2));
        Assert.Equal("completed", summary.State);
        var embedded = new List<Row>();
        await using (var connection = new SqliteConnection($"Data Source={database}"))
        {
            await connection.OpenAsync();
            await using var command =
                new SqliteCommand("SELECT item_number, method, layer, class_index, class_rank, probability, map FROM results", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                embedded.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                    reader.GetInt32(4), reader.GetFloat(5),
                    ResultRow.DecodeMap((byte[])reader[6])));
        }
        SqliteConnection.ClearAllPools();

        Assert.Equal(12 * 2 * 2, distributed.Count);
        var byKey = embedded.ToDictionary(r => (r.Item, r.Method, r.Layer, r.Class));
        Assert.Equal(distributed.Count, byKey.Count);
        foreach (var d in distributed)
        {
            var e = byKey[(d.Item, d.Method, d.Layer, d.Class)];
            Assert.Equal(d.Rank, e.Rank);
            Assert.Equal(d.Probability, e.Probability, 5);
            Assert.Equal(d.Map.Length, e.Map.Length);
            for (var i = 0; i < d.Map.Length; i++) Assert.Equal(d.Map[i], e.Map[i], 4);
        }
    }
}
