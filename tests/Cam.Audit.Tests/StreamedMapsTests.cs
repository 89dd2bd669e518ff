using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Audit.Tests;

/// <summary>The mean maps' stream over more rows than one page, on SQLite and PostgreSQL.</summary>
public class StreamedMapsTests
{
    public static TheoryData<string> Providers() => TestDatabases.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_primary_maps_stream_across_pages_each_once_in_id_order_without_other_ranks_methods_or_jobs(string provider)
    {
        await using var services = (await TestDatabases.CreateAsync(provider)).Services;
        var store = services.GetRequiredService<JobStore>();
        var writer = services.GetRequiredService<ResultWriter>();
        var (job, other) = (Guid.NewGuid(), Guid.NewGuid());
        var count = AuditQueries.StreamPage * 2 + 17;
        foreach (var j in new[] { job, other })
        {
            await store.CreateJobAsync(j, "{}");
            var items = Enumerable.Range(0, count)
                .Select(n => new ItemRow { JobId = j, Number = n, ShardNumber = 0, Path = $"{n}.png", State = ItemState.Pending }).ToList();
            await store.AddShardAsync(j, 0, items);
            var rows = items.SelectMany(i => new (string Method, int Rank)[] { ("cam", 0), ("cam", 1), ("scorecam", 0) }.Select(m => new ResultRow
            {
                JobId = j, ItemNumber = i.Number, Method = m.Method, Layer = "features", ClassIndex = m.Rank, ClassRank = m.Rank,
                MapHeight = 1, MapWidth = 1,
                Map = ResultRow.EncodeMap([i.Number % 7 / 7f]),
            })).ToList();
            await writer.WriteAsync(new ShardOutput(j, rows, [], items.Select(i => i.Number).ToList(), []));
        }

        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var streamed = await new AuditQueries(db, job).StreamPrimary("cam", "features").ToListAsync();
        var expected = await db.Results.Where(r => r.JobId == job && r.Method == "cam" && r.Layer == "features" && r.ClassRank == 0)
            .OrderBy(r => r.Id).Select(r => r.Id).ToListAsync();
        Assert.Equal(count, expected.Count);
        Assert.Equal(expected, streamed.Select(r => r.Id));
        Assert.Equal(Enumerable.Range(0, count).Select(n => n % 7 / 7f), streamed.OrderBy(r => r.ItemNumber).Select(r => r.MapValues()[0]));
    }
}
