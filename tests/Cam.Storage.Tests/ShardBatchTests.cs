using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Storage.Tests;

/// <summary>Enumeration's batched writes and the dispatcher's item lookup, on SQLite and PostgreSQL alike.</summary>
public class ShardBatchTests
{
    public static TheoryData<string> Providers() => TestDatabases.Providers();

    private static ShardItems Shard(Guid job, int number, int size, int? first = null) => new(number, Enumerable.Range(first ?? number * size, size)
        .Select(n => new ItemRow { JobId = job, Number = n, ShardNumber = number, Path = $"img{n}.png", State = ItemState.Pending }).ToList());

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_batch_of_shards_is_stored_and_counted_once_and_a_resumed_batch_adds_only_the_new_shards(string provider)
    {
        await using var services = (await TestDatabases.CreateAsync(provider)).Services;
        var store = services.GetRequiredService<JobStore>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, "{}");
        await store.AddShardsAsync(job, [Shard(job, 0, 4), Shard(job, 1, 4), Shard(job, 2, 4)]);
        // An enumeration resumed after shard 2 was stored hands over shards 2 and 3 again.
        await store.AddShardsAsync(job, [Shard(job, 2, 4), Shard(job, 3, 4)]);

        var stored = (await store.GetJobAsync(job))!;
        Assert.Equal(16, stored.TotalItems);
        Assert.Equal(4, stored.TotalShards);
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        Assert.Equal(Enumerable.Range(0, 16).Select(n => (long)n), await db.Items.Where(i => i.JobId == job).OrderBy(i => i.Number)
            .Select(i => i.Number).ToListAsync());
        var shards = await db.Shards.Where(s => s.JobId == job).OrderBy(s => s.Number).ToListAsync();
        Assert.Equal([0L, 4, 8, 12], shards.Select(s => s.FirstItem));
        Assert.All(shards, s => Assert.Equal(4, s.ItemCount));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_shards_items_are_found_by_its_number_range_in_order(string provider)
    {
        await using var services = (await TestDatabases.CreateAsync(provider)).Services;
        var store = services.GetRequiredService<JobStore>();
        var (job, other) = (Guid.NewGuid(), Guid.NewGuid());
        foreach (var j in new[] { job, other })
        {
            await store.CreateJobAsync(j, "{}");
            await store.AddShardsAsync(j, [Shard(j, 0, 5), Shard(j, 1, 5), Shard(j, 2, 3, first: 10)]);
        }
        var shards = await store.PendingShardsAsync(job, 10);
        Assert.Equal([0, 1, 2], shards.Select(s => s.Number));
        var items = await store.ItemsOfShardAsync(shards[1]);
        Assert.Equal([5L, 6, 7, 8, 9], items.Select(i => i.Number));
        Assert.All(items, i => Assert.Equal(job, i.JobId));
        Assert.Equal([10L, 11, 12], (await store.ItemsOfShardAsync(shards[2])).Select(i => i.Number));
    }
}
