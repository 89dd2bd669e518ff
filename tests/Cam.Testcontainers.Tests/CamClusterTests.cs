using System.Diagnostics;
using System.Text.Json;
using Cam.Client;
using Cam.Storage.Entities;
using Npgsql;
using Xunit.Abstractions;

namespace Cam.Testcontainers.Tests;

/// <summary>
/// Cam started in containers from its own images, as a user's tests would start it: the scheduler and CPU workers
/// as the manifests run them (uid 10001, read-only root, /data and /models read-only), driven over HTTP with the
/// typed client, checked in PostgreSQL.
/// </summary>
public sealed class CamClusterTests(ITestOutputHelper log)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task The_demo_job_stores_every_result_in_PostgreSQL_as_PyTorch_computes_CAM()
    {
        using var data = new DemoData(items: 6);
        await using var cam = data.Cam(workers: 1).Build();
        var clock = Stopwatch.StartNew();
        await cam.StartAsync();
        log.WriteLine($"started scheduler and worker in {clock.Elapsed.TotalSeconds:F1} s");

        var id = await cam.Client.SubmitAsync(new JobSpec
        {
            Dataset = "manifest.csv", Model = "shapes-model", Methods = [new("cam")], ShardSize = 3,
        });
        using var timeout = new CancellationTokenSource(JobTimeout);
        var job = await cam.Client.WaitAsync(id, ct: timeout.Token);
        Assert.Equal((JobStates.Completed, 6L, 6L), (job.State, job.Succeeded, job.Results));

        var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "reference.json")))
            .RootElement.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("path").GetString()!);
        var stored = await ResultsAsync(cam.PostgresConnectionString, id);
        Assert.Equal(data.Items.Order(), stored.Select(r => r.Path).Order());
        foreach (var result in stored)
        {
            var expected = reference[result.Path];
            Assert.Equal(("cam", "features", 0), (result.Method, result.Layer, result.Rank));
            Assert.Equal(expected.GetProperty("classIndex").GetInt32(), result.ClassIndex);
            Assert.Equal(expected.GetProperty("score").GetSingle(), result.Score, 1e-3f);
            Assert.Equal(expected.GetProperty("probability").GetSingle(), result.Probability, 1e-5f);
            Assert.Equal(Ints(expected.GetProperty("shape")), new[] { result.Height, result.Width });
            Assert.Equal(Ints(expected.GetProperty("peak")), new[] { result.PeakY, result.PeakX });
            var map = expected.GetProperty("map").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(map.Length, result.Map.Length);
            var worst = map.Zip(result.Map, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst < 1e-3, $"{result.Path}: the stored CAM differs from PyTorch's by up to {worst}");
        }
    }

    [Fact]
    public async Task A_worker_container_killed_mid_job_loses_no_item_and_duplicates_no_result()
    {
        using var data = new DemoData(items: 16);
        await using var cam = data.Cam(workers: 2).Build();
        await cam.StartAsync();
        // Score-CAM: a forward per channel per item, so that shards run long enough to be killed in.
        var id = await cam.Client.SubmitAsync(new JobSpec
        {
            Dataset = "manifest.csv", Model = "shapes-model", Methods = [new("scorecam")], ShardSize = 2,
        });

        var victim = await WorkerHoldingAShardAsync(cam, id);
        await CamCluster.KillAsync(victim);
        log.WriteLine($"killed {victim.Name} while it held a shard");
        using var timeout = new CancellationTokenSource(JobTimeout);
        var job = await cam.Client.WaitAsync(id, ct: timeout.Token);

        Assert.Equal((JobStates.Completed, 16L, 0L, 16L), (job.State, job.Succeeded, job.Failed, job.Results));
        var stored = await ResultsAsync(cam.PostgresConnectionString, id);
        Assert.Equal(data.Items.Order(), stored.Select(r => r.Path).Order()); // each item once
    }

    /// <summary>The worker container whose instance (hostname/pid/…) holds a running shard of the job.</summary>
    private static async Task<DotNet.Testcontainers.Containers.IContainer> WorkerHoldingAShardAsync(CamCluster cam, Guid job)
    {
        await using var connection = new NpgsqlConnection(cam.PostgresConnectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow + JobTimeout;
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new NpgsqlCommand(
                "SELECT claimed_by FROM shards WHERE job_id = @job AND state = 'running' AND claimed_by IS NOT NULL LIMIT 1",
                connection);
            command.Parameters.AddWithValue("job", job);
            if (await command.ExecuteScalarAsync() is string instance)
            {
                var host = instance.Split('/')[0];
                return cam.Workers.Single(w => w.Id.StartsWith(host, StringComparison.Ordinal));
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"no shard of job {job} ran within {JobTimeout}");
    }

    private sealed record StoredResult(string Path, string Method, string Layer, int ClassIndex, int Rank, float Score,
        float Probability, int Height, int Width, int PeakY, int PeakX, float[] Map);

    /// <summary>Every stored result of the job with its item's path, read with plain SQL.</summary>
    private static async Task<List<StoredResult>> ResultsAsync(string connectionString, Guid job)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT i.path, r.method, r.layer, r.class_index, r.class_rank, r.score, r.probability, r.map_height, " +
            "r.map_width, r.peak_y, r.peak_x, r.map FROM results r " +
            "JOIN items i ON i.job_id = r.job_id AND i.number = r.item_number WHERE r.job_id = @job", connection);
        command.Parameters.AddWithValue("job", job);
        var results = new List<StoredResult>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            results.Add(new StoredResult(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                reader.GetInt32(4), reader.GetFloat(5), reader.GetFloat(6), reader.GetInt32(7), reader.GetInt32(8),
                reader.GetInt32(9), reader.GetInt32(10), ResultRow.DecodeMap((byte[])reader.GetValue(11))));
        return results;
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(v => v.GetInt32()).ToArray();
}
