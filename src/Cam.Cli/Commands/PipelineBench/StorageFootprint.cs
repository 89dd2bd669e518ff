using Npgsql;

namespace Cam.Cli.Commands.PipelineBench;

/// <summary>What the results and items tables take on disk: heap, TOAST and indexes, in bytes.</summary>
public sealed record TableBytes(long Heap, long Toast, long Indexes)
{
    public long Total => Heap + Toast + Indexes;

    public TableBytes Minus(TableBytes before) => new(Heap - before.Heap, Toast - before.Toast, Indexes - before.Indexes);
}

/// <summary>
/// Sizes of the job tables (summed over their partitions), measured before and after a job: the growth divided by
/// its rows is what a row costs.
/// </summary>
public static class StorageFootprint
{
    public static async Task<TableBytes> MeasureAsync(NpgsqlConnection connection, string table, CancellationToken ct)
    {
        // A partitioned table holds nothing itself: its leaf partitions (one per job) hold the rows; a plain table is its own.
        await using var command = new NpgsqlCommand("""
            SELECT COALESCE(SUM(pg_relation_size(c.oid)), 0)::bigint,
                   COALESCE(SUM(COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)), 0)::bigint,
                   COALESCE(SUM(pg_indexes_size(c.oid)), 0)::bigint
            FROM pg_class c
            WHERE c.oid IN (SELECT relid FROM pg_partition_tree(to_regclass(@table)) WHERE isleaf)
               OR (c.oid = to_regclass(@table) AND c.relkind <> 'p')
            """, connection);
        command.Parameters.AddWithValue("table", table);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return new TableBytes(0, 0, 0);
        return new TableBytes(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>Bytes per row of the growth, by part; zero rows give zeros.</summary>
    public static JsonObject PerRow(TableBytes growth, long rows)
    {
        double Per(long bytes) => rows <= 0 ? 0 : Math.Round((double)bytes / rows, 1);
        return new JsonObject
        {
            ["total"] = Per(growth.Total), ["heap"] = Per(growth.Heap), ["toast"] = Per(growth.Toast), ["indexes"] = Per(growth.Indexes),
        };
    }
}
