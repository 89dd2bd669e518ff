using Cam.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit.Strategies;

/// <summary>A map of the explained class with what its cluster's figures need.</summary>
internal sealed record StrategyRow(long Id, long Item, int ClassIndex, byte[] Map, int MapHeight, int MapWidth, bool? PointingHit,
    float? EnergyInBox, int PredictedClass, int? LabelClass);

/// <summary>An item's path, boxes (JSON) and meta (JSON).</summary>
internal sealed record StrategyItem(string Path, string? Boxes, string? Meta);

/// <summary>
/// The explained class's maps at a method's layer, streamed in pages (<see cref="ResultPages"/>). With items, each
/// page's items are read in a second query.
/// </summary>
internal sealed class StrategyStream(CamDbContext db, Guid jobId, string method, string layer)
{
    public const int Page = 5000;

    public async IAsyncEnumerable<(StrategyRow Row, StrategyItem? Item)> MapsAsync(bool withItems,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var rows = db.Results.AsNoTracking()
            .Where(r => r.JobId == jobId && r.ClassRank == 0 && r.Method == method && r.Layer == layer);
        await foreach (var page in ResultPages.ReadAsync(db, rows, r => new StrategyRow(r.Id, r.ItemNumber, r.ClassIndex,
            r.Map, r.MapHeight, r.MapWidth, r.PointingHit, r.EnergyInBox, r.PredictedClass, r.LabelClass), r => r.Id, Page,
            ct))
        {
            var items = new Dictionary<long, StrategyItem>();
            if (withItems)
            {
                var numbers = page.Select(r => r.Item).Distinct().ToList();
                // One JSON-array parameter: expanded into 5,000 parameters (EF 10's default), building the SQL of each
                // page cost more than reading it (0.5 ms a map at 1M results).
                items = await db.Items.AsNoTracking().Where(i => i.JobId == jobId && EF.Parameter(numbers).Contains(i.Number))
                    .ToDictionaryAsync(i => i.Number, i => new StrategyItem(i.Path, i.Boxes, i.Meta), ct);
            }
            foreach (var row in page) yield return (row, items.GetValueOrDefault(row.Item));
        }
    }
}
