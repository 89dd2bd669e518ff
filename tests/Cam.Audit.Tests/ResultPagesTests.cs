using System.Data.Common;
using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Audit.Tests;

/// <summary>
/// The audit's pages of maps on SQLite: each page one seek into an index range. Paged over every class at once, SQLite
/// sorted all the method's maps for every page, so that a 1M-result report read the results 200 times.
/// </summary>
public class ResultPagesTests
{
    [Fact]
    public async Task Each_page_of_the_primary_maps_on_sqlite_seeks_an_index_range_instead_of_sorting_the_method()
    {
        var (services, settings, job, perClass) = await TwoClassJobAsync();
        await using var _ = services;
        var commands = new CapturedCommands();
        await using var db = Capturing(settings, commands);
        var streamed = await new AuditQueries(db, job).StreamPrimary("cam", "features").ToListAsync();

        Assert.Equal(Enumerable.Range(0, 2 * perClass).Select(n => (long)n), streamed.Select(r => r.ItemNumber).Order());
        var pages = commands.Readers.Where(c => c.Text.Contains("LIMIT", StringComparison.Ordinal)).ToList();
        Assert.True(pages.Count >= 3, $"{pages.Count} pages for two classes of {perClass} maps");
        foreach (var page in pages)
        {
            var plan = await ExplainAsync(db.Database.GetDbConnection(), page);
            Assert.Contains("USING INDEX", plan);
            Assert.DoesNotContain("TEMP B-TREE", plan);
        }
    }

    [Fact]
    public async Task The_strategy_pass_reads_each_pages_items_with_one_array_parameter_not_one_per_item()
    {
        var (services, settings, job, perClass) = await TwoClassJobAsync();
        await using var _ = services;
        var commands = new CapturedCommands();
        await using var db = Capturing(settings, commands);

        var streamed = await new Strategies.StrategyStream(db, job, "cam", "features").MapsAsync(withItems: true, default)
            .ToListAsync();

        Assert.Equal(2 * perClass, streamed.Count);
        Assert.All(streamed, s => Assert.Equal($"{s.Row.Item}.png", s.Item?.Path));
        var itemQueries = commands.Readers.Where(c => c.Text.Contains("FROM \"items\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(itemQueries);
        // EF 10 expands a collection into one parameter per value by default: 5,000 names to make and bind a page.
        Assert.All(itemQueries, q => Assert.True(q.Parameters.Count <= 3, $"{q.Parameters.Count} parameters"));
    }

    private static async Task<(ServiceProvider Services, StorageSettings Settings, Guid Job, int PerClass)>
        TwoClassJobAsync()
    {
        var (services, settings) = await TestDatabases.CreateAsync("sqlite");
        var job = Guid.NewGuid();
        var perClass = AuditQueries.StreamPage + 3;
        var store = services.GetRequiredService<JobStore>();
        await store.CreateJobAsync(job, "{}");
        var items = Enumerable.Range(0, 2 * perClass)
            .Select(n => new ItemRow { JobId = job, Number = n, ShardNumber = 0, Path = $"{n}.png", State = ItemState.Pending })
            .ToList();
        await store.AddShardAsync(job, 0, items);
        var rows = items.Select(i => new ResultRow
        {
            JobId = job, ItemNumber = i.Number, Method = "cam", Layer = "features", ClassIndex = (int)(i.Number % 2),
            ClassRank = 0, MapHeight = 1, MapWidth = 1, Map = ResultRow.EncodeMap([i.Number / 1000f]),
        }).ToList();
        await services.GetRequiredService<ResultWriter>()
            .WriteAsync(new ShardOutput(job, rows, [], items.Select(i => i.Number).ToList(), []));

        return (services, settings, job, perClass);
    }

    private static CamDbContext Capturing(StorageSettings settings, CapturedCommands commands)
    {
        var options = new DbContextOptionsBuilder<CamDbContext>();
        settings.Configure(options);
        return new CamDbContext(options.AddInterceptors(commands).Options);
    }

    private static async Task<string> ExplainAsync(DbConnection connection, CapturedCommand page)
    {
        if (connection.State != System.Data.ConnectionState.Open) await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + page.Text;
        foreach (var (name, value) in page.Parameters)
        {
            var parameter = explain.CreateParameter();
            (parameter.ParameterName, parameter.Value) = (name, value);
            explain.Parameters.Add(parameter);
        }
        var steps = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync()) steps.Add(reader.GetString(3));
        return string.Join("; ", steps);
    }

    private sealed record CapturedCommand(string Text, IReadOnlyList<(string Name, object? Value)> Parameters);

    private sealed class CapturedCommands : DbCommandInterceptor
    {
        public List<CapturedCommand> Readers { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command,
            CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Readers.Add(new CapturedCommand(command.CommandText,
                command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToList()));
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
