using Microsoft.EntityFrameworkCore;

namespace Cam.Storage;

/// <summary>A dataset label the model has no class for, and how many of the job's items carry it.</summary>
public sealed record UnknownLabel(string Label, long Items);

/// <summary>
/// The labels of a job's items that the model does not know, as the workers decided (<c>ModelPackage.ClassOf</c>):
/// an item with a label whose results hold no label class (explained, but left out of the accuracy), or whose item
/// error is of stage <c>label</c> (refused under the label policy). Counted in SQL, most frequent first.
/// </summary>
public sealed class UnknownLabels(IDbContextFactory<CamDbContext> factory)
{
    public async Task<IReadOnlyList<UnknownLabel>> OfJobAsync(Guid jobId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await CountAsync(db, jobId, ct);
    }

    /// <summary>Labels and item counts: items with a label and (a result with a null label class, or a <c>label</c> error).</summary>
    public static async Task<IReadOnlyList<UnknownLabel>> CountAsync(CamDbContext db, Guid jobId, CancellationToken ct)
    {
        var counts = await db.Items.AsNoTracking()
            .Where(i => i.JobId == jobId && i.Label != null
                && (db.Results.Any(r => r.JobId == jobId && r.ItemNumber == i.Number && r.LabelClass == null)
                    || db.ItemErrors.Any(e => e.JobId == jobId && e.ItemNumber == i.Number && e.Stage == "label")))
            .GroupBy(i => i.Label!)
            .Select(g => new { Label = g.Key, Items = g.LongCount() })
            .ToListAsync(ct);
        return counts.OrderByDescending(c => c.Items).ThenBy(c => c.Label, StringComparer.Ordinal)
            .Select(c => new UnknownLabel(c.Label, c.Items)).ToList();
    }

    /// <summary>One line for people: <c>3 items carry labels the model does not know (left out of the accuracy): 'x' (2), 'y' (1)</c>; null when
    /// none.</summary>
    public static string? Describe(IReadOnlyList<UnknownLabel> labels, int shown = 10)
    {
        if (labels.Count == 0) return null;
        var named = string.Join(", ", labels.Take(shown).Select(l => $"'{Printable(l.Label)}' ({l.Items})"));
        var more = labels.Count > shown ? $" and {labels.Count - shown} more" : "";
        return $"{labels.Sum(l => l.Items)} items carry labels the model does not know (left out of the accuracy): {named}{more}";
    }

    /// <summary>Control characters as <c>\uXXXX</c>, so that a label cannot move a terminal's cursor or colour its text.</summary>
    private static string Printable(string label) =>
        string.Concat(label.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
