using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Specs;
using Cam.Storage;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Jobs.Tests;

/// <summary>An embedded run over a manifest mixing good lines with one of each input fault (see <see cref="HostileDataset"/>).</summary>
public class HostileInputTests
{
    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task A_manifest_of_good_and_hostile_lines_explains_exactly_the_good_items_and_records_one_error_per_hostile_line(string format)
    {
        using var workspace = new DemoWorkspace(images: 12, withBadItems: false);
        var folder = Path.Combine(workspace.DataRoot, "shapes");
        var (manifest, expected) = HostileDataset.Write(folder, HostileDataset.GoodRows(Path.Combine(folder, "manifest.csv")), format);
        var database = Path.Combine(workspace.Root, "cam.db");
        var spec = new JobSpec
        {
            Dataset = $"shapes/{manifest}", Model = "shapes-model", Methods = [new MethodSpec("cam"), new MethodSpec("scorecam")],
            Classes = "top:1", ShardSize = 4,
        };
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3)); // a stalled job fails the test instead of hanging it
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot, database,
            Workers: 2), ct: deadline.Token);

        var good = Enumerable.Range(0, expected.Count).Where(n => expected[n] is null).Select(n => (long)n).ToList();
        var hostile = Enumerable.Range(0, expected.Count).Where(n => expected[n] is not null).ToDictionary(n => (long)n, n => expected[n]!);
        Assert.Equal("completed_with_errors", summary.State);
        Assert.Equal((expected.Count, good.Count, hostile.Count), ((int)summary.Items, (int)summary.Succeeded, (int)summary.Failed));

        await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var errors = await db.ItemErrors.Where(e => e.JobId == summary.JobId).ToListAsync();
        Assert.Equal(hostile.OrderBy(h => h.Key), errors.Select(e => KeyValuePair.Create(e.ItemNumber ?? -1, e.Stage)).OrderBy(e => e.Key));
        var results = await db.Results.Where(r => r.JobId == summary.JobId).Select(r => new { r.ItemNumber, r.Method }).ToListAsync();
        Assert.Equal(good.SelectMany(n => new[] { (n, "cam"), (n, "scorecam") }).Order(), results.Select(r => (r.ItemNumber, r.Method)).Order());

        var nul = errors.Single(e => e.Message.Contains("NUL"));
        Assert.Contains("nul\\0.png", (await db.Items.SingleAsync(i => i.JobId == summary.JobId && i.Number == nul.ItemNumber)).Path);
        Assert.Contains(errors, e => e.Stage == "path" && e.Message.Contains("symbolic links"));
        Assert.Contains(errors, e => e.Stage == "decode" && e.Message.StartsWith("TooManyPixels"));
    }
}
