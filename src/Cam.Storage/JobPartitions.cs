using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cam.Storage;

/// <summary>
/// PostgreSQL's per-job partitions (migration JobPartitions): created when a job is stored, dropped when it is
/// deleted. Partition names are the parent's and the job id's hex digits, <c>results_0f3a…</c>.
/// </summary>
public static class JobPartitions
{
    /// <summary>The tables partitioned by job, children before the parents they would reference.</summary>
    public static readonly IReadOnlyList<string> Tables = ["results", "item_errors", "items", "shards"];

    public static string Name(string table, Guid jobId) => $"{table}_{jobId:N}";

    /// <summary>Creates the job's partitions, in the caller's transaction (with the job's row).</summary>
    public static Task CreateAsync(CamDbContext db, Guid jobId, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT cam_create_job_partitions({jobId})", ct);

    /// <summary>
    /// Detaches each partition of the job CONCURRENTLY (readers and writers of the other jobs wait for nothing; it
    /// waits for the transactions that may see the partition) and drops it: outside any transaction. A detach left
    /// pending by an interrupted delete is finalised. Returns how many partitions were dropped.
    /// </summary>
    public static async Task<int> DropAsync(CamDbContext db, Guid jobId, CancellationToken ct)
    {
        var dropped = 0;
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            foreach (var table in Tables)
            {
                var name = Name(table, jobId);
                await using (var state = new NpgsqlCommand(
                                 "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = to_regclass(@name)", connection))
                {
                    state.Parameters.AddWithValue("name", name);
                    var pending = await state.ExecuteScalarAsync(ct);
                    if (pending is bool p)
                        await ExecuteAsync(connection, $"ALTER TABLE {table} DETACH PARTITION {name} {(p ? "FINALIZE" : "CONCURRENTLY")}", ct);
                }
                await using var exists = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
                exists.Parameters.AddWithValue("name", name);
                if (await exists.ExecuteScalarAsync(ct) is true)
                {
                    await ExecuteAsync(connection, $"DROP TABLE {name}", ct);
                    dropped++;
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return dropped;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }
}
