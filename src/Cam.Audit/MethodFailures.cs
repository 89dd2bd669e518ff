using System.Text;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit;

/// <summary>A method that failed on some items, or for the whole job, with the first of its errors.</summary>
public sealed record MethodFailure(string Method, long Results, long FailedItems, string? JobError, IReadOnlyList<ItemError> Examples);

/// <summary>
/// The report's per-method failures: a method that cannot apply to the model, or fails on some items, is shown
/// with what it still produced, so that a reader sees which results are missing and why.
/// </summary>
public static class MethodFailures
{
    public static async Task<IReadOnlyList<MethodFailure>> QueryAsync(CamDbContext db, Guid jobId, int examples, CancellationToken ct)
    {
        var failed = new List<MethodFailure>();
        foreach (var tally in await MethodTallies.CountAsync(db, jobId, [], ct))
        {
            if (tally.FailedItems == 0 && tally.JobError is null) continue;
            var first = await db.ItemErrors.AsNoTracking().Where(e => e.JobId == jobId && e.Method == tally.Method && e.ItemNumber != null)
                .OrderBy(e => e.ItemNumber).Take(examples).Select(e => new ItemError(e.ItemNumber, e.Stage, e.Message)).ToListAsync(ct);
            failed.Add(new MethodFailure(tally.Method, tally.Results, tally.FailedItems, tally.JobError, first));
        }
        return failed;
    }

    public static void Render(StringBuilder html, AuditSummary audit)
    {
        if (audit.MethodFailures.Count == 0) return;
        html.Append("<section id=\"method-failures\"><h2>Method failures</h2><p class=\"note\">A method that failed on an item lost only its own " +
            "maps of it; the other methods' results for the item are kept.</p>");
        html.Append("<table><tr><th>method</th><th>results</th><th>items it failed on</th><th>failed for the whole job</th></tr>");
        foreach (var f in audit.MethodFailures)
            html.Append($"<tr data-method=\"{E(f.Method)}\"><td>{E(f.Method)}</td><td>{f.Results}</td><td>{f.FailedItems}</td>" +
                $"<td>{E(f.JobError ?? "no")}</td></tr>");
        html.Append("</table>");
        foreach (var f in audit.MethodFailures.Where(f => f.Examples.Count > 0))
        {
            html.Append($"<details><summary>{E(f.Method)}: the first items it failed " +
                $"on</summary><table><tr><th>item</th><th>stage</th><th>message</th></tr>");
            foreach (var e in f.Examples) html.Append($"<tr><td>{e.ItemNumber}</td><td>{E(e.Stage)}</td><td>{E(e.Message)}</td></tr>");
            html.Append("</table></details>");
        }
        html.Append("</section>\n");
    }

}
