using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cam.Storage.Tests;

/// <summary>Deleting a job: its rows go (PostgreSQL: its partitions are dropped), other jobs' stay; a running job is cancelled first.</summary>
public class JobDeletionTests
{
    public static TheoryData<string> Providers() => TestDatabases.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Deleting_a_job_removes_all_it_stored_and_leaves_the_other_jobs_rows(string provider)
    {
        var (services, settings) = await TestDatabases.CreateAsync(provider);
        await using var _ = services;
        var store = services.GetRequiredService<JobStore>();
        var (doomed, kept) = (await SeedJobAsync(services, 2, 3), await SeedJobAsync(services, 2, 3));
        Assert.True(await store.TryCancelAsync(doomed));

        var deleted = await services.GetRequiredService<JobDeletion>().DeleteAsync(doomed);

        Assert.NotNull(deleted);
        Assert.False(deleted.Cancelled);
        Assert.Equal((0, 0, 0, 0, 0), await CountsAsync(services, doomed));
        Assert.Equal((1, 2, 6, 12, 1), await CountsAsync(services, kept));
        if (settings.Provider == StorageProvider.Postgres)
        {
            Assert.Equal(4, deleted.PartitionsDropped);
            // No table of the job is left; the kept job still has its four partitions.
            Assert.Empty(await RelationsAsync(settings, $"%{doomed:N}"));
            Assert.Equal(4, (await RelationsAsync(settings, $"%{kept:N}")).Count);
        }
        Assert.Null(await services.GetRequiredService<JobDeletion>().DeleteAsync(doomed));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_running_job_is_cancelled_before_it_is_deleted_and_its_worker_can_store_nothing_more(string provider)
    {
        var (services, _) = await TestDatabases.CreateAsync(provider);
        await using var _s = services;
        var store = services.GetRequiredService<JobStore>();
        var shards = services.GetRequiredService<ShardLifecycle>();
        var job = await SeedJobAsync(services, 2, 3);
        Assert.Equal(1, await shards.TryPublishAsync(job, 1, 0, DateTime.UtcNow.AddHours(1)));
        var claim = await shards.TryClaimAsync(job, 1, "worker-1", TimeSpan.FromMinutes(1));
        Assert.NotNull(claim);

        var deleted = await services.GetRequiredService<JobDeletion>().DeleteAsync(job);

        Assert.True(deleted!.Cancelled);
        Assert.Null(await store.GetJobAsync(job));
        var late = new ShardOutput(job, [Result(job, 3, 0)], [], [3], []);
        await Assert.ThrowsAsync<ClaimLostException>(() => services.GetRequiredService<ResultWriter>().WriteAsync(late, claim));
        Assert.Equal((0, 0, 0, 0, 0), await CountsAsync(services, job));
    }

    [Fact]
    public async Task A_delete_outwaits_a_long_transaction_on_the_shared_tables_without_holding_up_other_jobs_writers()
    {
        if (!((IEnumerable<object[]>)TestDatabases.Providers()).Any(p => (string)p[0] == "postgres")) return;
        var (services, settings) = await TestDatabases.CreateAsync("postgres");
        await using var _ = services;
        var (doomed, kept) = (await SeedJobAsync(services, 1, 2), await SeedJobAsync(services, 1, 2));
        // Another session reads the shared results table and keeps its transaction open: it holds a lock on the parent.
        await using var reader = new NpgsqlConnection(settings.ConnectionString);
        await reader.OpenAsync();
        await using var holding = await reader.BeginTransactionAsync();
        await using (var read = new NpgsqlCommand($"SELECT count(*) FROM results WHERE job_id = '{kept}'", reader))
            Assert.Equal(4L, await read.ExecuteScalarAsync());
        var timedOut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factory = services.GetRequiredService<IDbContextFactory<CamDbContext>>();
        await using var db = await factory.CreateDbContextAsync();

        var deleting = JobPartitions.DropAsync(db, doomed, CancellationToken.None, _ => timedOut.TrySetResult());

        await timedOut.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // While the delete keeps trying, the other job's writer stores results, each within seconds (a drop that
        // waited for the lock without a timeout would queue them until the reader commits).
        for (var n = 0; n < 3; n++)
        {
            var output = new ShardOutput(kept, [Result(kept, n, 5)], [], [n], []);
            var writer = services.GetRequiredService<ResultWriter>();
            var stored = await writer.WriteAsync(output).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(1, stored);
        }
        Assert.False(deleting.IsCompleted);
        await holding.CommitAsync();
        Assert.Equal(4, await deleting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(await RelationsAsync(settings, $"%{doomed:N}"));
        Assert.Equal((1, 1, 2, 7, 1), await CountsAsync(services, kept));
    }

    [Fact]
    public async Task The_partitioning_migration_moves_every_existing_row_into_its_jobs_partitions_keeping_ids()
    {
        if (!((IEnumerable<object[]>)TestDatabases.Providers()).Any(p => (string)p[0] == "postgres")) return;
        var (services, settings) = await TestDatabases.CreateAsync("postgres");
        await using var _ = services;
        var factory = services.GetRequiredService<IDbContextFactory<CamDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var migrations = db.Database.GetMigrations().ToList();
            var before = migrations[migrations.IndexOf("20261220090000_JobPartitions") - 1];
            await db.GetService<IMigrator>().MigrateAsync(before);
        }
        // Jobs stored before partitioning: rows written straight into the shared tables.
        var jobs = new[] { Guid.NewGuid(), Guid.NewGuid() };
        await using (var db = await factory.CreateDbContextAsync())
        {
            foreach (var job in jobs)
            {
                db.Jobs.Add(new JobRow { Id = job, Spec = "{}", State = JobState.Completed, CreatedAt = DateTime.UtcNow });
                // The model declares no relationships: the job's row first, then the rows that reference it.
                await db.SaveChangesAsync();
                db.Shards.Add(new ShardRow { JobId = job, Number = 0, State = ShardState.Completed, FirstItem = 0, ItemCount = 2 });
                db.Items.AddRange(Enumerable.Range(0, 2).Select(n => new ItemRow
                { JobId = job, Number = n, Path = $"{n}.png", Meta = """{"site":"A"}""", State = ItemState.Succeeded }));
                db.Results.AddRange(Enumerable.Range(0, 2).Select(n => Result(job, n, 0)));
                db.ItemErrors.Add(new ItemErrorRow
                {
                    JobId = job, ItemNumber = null, Stage = "method", Method = "gradcam", Message = "m", At = DateTime.UtcNow
                });
            }
            await db.SaveChangesAsync();
        }
        var idsBefore = await ResultIdsAsync(factory);

        await services.GetRequiredService<CamMigrator>().MigrateAsync();

        Assert.Equal(idsBefore, await ResultIdsAsync(factory));
        foreach (var job in jobs)
        {
            Assert.Equal((1, 1, 2, 2, 1), await CountsAsync(services, job));
            Assert.Equal(2L, await ScalarAsync(settings, $"SELECT count(*) FROM results_{job:N}"));
            Assert.Equal(2L, await ScalarAsync(settings, $"SELECT count(*) FROM items_{job:N}"));
        }
        Assert.Equal("p", await ScalarAsync(settings, "SELECT relkind::text FROM pg_class WHERE relname = 'results'"));
        // A new job gets partitions of its own; its results continue the ids; a duplicate is still refused.
        var next = await SeedJobAsync(services, 1, 1);
        await using (var db = await factory.CreateDbContextAsync())
            Assert.True(await db.Results.Where(r => r.JobId == next).MinAsync(r => r.Id) > idsBefore.Max());
        var again = new ShardOutput(next, [Result(next, 0, 0)], [], [0], []);
        Assert.Equal(0, await services.GetRequiredService<ResultWriter>().WriteAsync(again));
        Assert.Equal(4, (await services.GetRequiredService<JobDeletion>().DeleteAsync(jobs[0]))!.PartitionsDropped);
        Assert.Equal((1, 1, 2, 2, 1), await CountsAsync(services, jobs[1]));
    }

    /// <summary>A job with <paramref name="shards"/> shards of <paramref name="items"/> items, two results per item and one job-level
    /// error.</summary>
    private static async Task<Guid> SeedJobAsync(ServiceProvider services, int shards, int items)
    {
        var store = services.GetRequiredService<JobStore>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, "{}");
        for (var s = 0; s < shards; s++)
            await store.AddShardAsync(job, s, Enumerable.Range(s * items, items)
                .Select(n => new ItemRow { JobId = job, Number = n, ShardNumber = s, Path = $"{n}.png", State = ItemState.Pending }).ToList());
        await store.MarkEnumerationDoneAsync(job);
        var results = Enumerable.Range(0, shards * items).SelectMany(n => new[] { Result(job, n, 0), Result(job, n, 1) }).ToList();
        var errors = new List<ItemErrorRow> { new() { JobId = job, Stage = "method", Method = "gradcam", Message = "no layer",
            At = DateTime.UtcNow } };
        await services.GetRequiredService<ResultWriter>().WriteAsync(new ShardOutput(job, results, errors,
            Enumerable.Range(0, shards * items).Select(n => (long)n).ToList(), []));
        return job;
    }

    private static ResultRow Result(Guid job, long item, int cls) => new()
    {
        JobId = job, ItemNumber = item, Method = "gradcam", Layer = "layer4", ClassIndex = cls, ClassRank = cls, Score = 1, Probability = 0.5f,
        MapHeight = 1, MapWidth = 2, Map = ResultRow.EncodeMap([0.25f, 1f]), Energy = 1,
    };

    private static async Task<(int Jobs, int Shards, int Items, int Results, int Errors)> CountsAsync(ServiceProvider services, Guid job)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        return (await db.Jobs.CountAsync(j => j.Id == job), await db.Shards.CountAsync(s => s.JobId == job),
            await db.Items.CountAsync(i => i.JobId == job), await db.Results.CountAsync(r => r.JobId == job),
            await db.ItemErrors.CountAsync(e => e.JobId == job));
    }

    private static async Task<List<long>> ResultIdsAsync(IDbContextFactory<CamDbContext> factory)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Results.OrderBy(r => r.Id).Select(r => r.Id).ToListAsync();
    }

    private static async Task<List<string>> RelationsAsync(StorageSettings settings, string pattern)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT relname FROM pg_class WHERE relname LIKE @p AND relkind = 'r'", connection);
        command.Parameters.AddWithValue("p", pattern);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }

    private static async Task<object?> ScalarAsync(StorageSettings settings, string sql)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
