using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Audit;

/// <summary>
/// Result rows in pages by id (keyset paging: one query over millions of rows would be buffered whole by the retrying
/// execution strategy). On SQLite each class is paged on its own: the (job, method, class) index keeps a class's
/// entries in rowid order, so a page is one range seek. Paged over all classes at once, SQLite reads every row of the
/// method and sorts them again for each page — 3 s a page at 1M results, the whole stream quadratic in the job's
/// size. PostgreSQL pages the job's partition by its primary key, in one sequence.
/// </summary>
internal static class ResultPages
{
    public static async IAsyncEnumerable<List<T>> ReadAsync<T>(CamDbContext db, IQueryable<ResultRow> rows,
        Expression<Func<ResultRow, T>> select, Func<T, long> idOf, int size,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        IReadOnlyList<int?> classes = db.Database.IsSqlite()
            ? (await rows.Select(r => r.ClassIndex).Distinct().OrderBy(c => c).ToListAsync(ct)).ConvertAll(c => (int?)c)
            : [null];
        foreach (var cls in classes)
        {
            var query = cls is { } c ? rows.Where(r => r.ClassIndex == c) : rows;
            var after = long.MinValue;
            while (true)
            {
                var page = await query.Where(r => r.Id > after).OrderBy(r => r.Id).Take(size).Select(select)
                    .ToListAsync(ct);
                if (page.Count > 0) yield return page;
                if (page.Count < size) break;
                after = idOf(page[^1]);
            }
        }
    }
}
