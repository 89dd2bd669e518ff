using Microsoft.EntityFrameworkCore;

namespace Cam.Storage;

/// <summary>
/// Brings a SQLite file written by an older <c>cam run</c> to the current model (SQLite is created from the model, not
/// migrated): the columns added since, each with the data it takes over. A file created now has them all already.
/// </summary>
internal static class SqliteUpgrades
{
    public static async Task ApplyAsync(CamDbContext db, CancellationToken ct)
    {
        var columns = await db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM pragma_table_info('shards')").ToListAsync(ct);
        if (!columns.Contains("published_at"))
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE shards ADD COLUMN published_at TEXT NULL;", ct);
        if (!columns.Contains("claim_deadline"))
            await db.Database.ExecuteSqlRawAsync("""
                ALTER TABLE shards ADD COLUMN claim_deadline TEXT NULL;
                UPDATE shards SET claim_deadline = lease_expires_at, lease_expires_at = NULL WHERE state = 'published';
                CREATE INDEX ix_shards_state_claim_deadline ON shards (state, claim_deadline);
                """, ct);
    }
}
