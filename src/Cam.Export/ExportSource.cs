using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cam.Export;

/// <summary>
/// Reads a job's results (joined with their items) and errors streamed, through the context's connection: on SQLite
/// one query each with plain ADO.NET (EF's materialisation of every row would cost more than writing it); on
/// PostgreSQL the results as binary COPY (<see cref="PostgresResults"/>).
/// </summary>
public sealed class ExportSource(CamDbContext db, Guid jobId)
{
    private bool IsPostgres => db.Database.IsNpgsql();

    /// <summary>
    /// The job's stored spec, null when the database holds no such job. Plain SQL like every other read here: an EF
    /// query would compile its LINQ pipeline first, some thousands of methods to JIT for one row.
    /// </summary>
    public async Task<string?> JobSpecAsync(CancellationToken ct)
    {
        await foreach (var reader in QueryAsync("SELECT spec FROM jobs WHERE id = @job", ct))
            return reader.GetString(0);
        return null;
    }

    /// <summary>Meta keys that every item of the job has, in order: each becomes a column of its own.</summary>
    public async Task<IReadOnlyList<string>> CommonMetaKeysAsync(CancellationToken ct)
    {
        var sql = IsPostgres
            ? """
              SELECT k FROM items i, jsonb_object_keys(i.meta) k
              WHERE i.job_id = @job AND jsonb_typeof(i.meta) = 'object'
              GROUP BY k HAVING count(*) = (SELECT count(*) FROM items WHERE job_id = @job) ORDER BY k
              """
            : """
              SELECT j.key FROM items i, json_each(i.meta) j
              WHERE i.job_id = @job AND json_type(i.meta) = 'object'
              GROUP BY j.key HAVING count(*) = (SELECT count(*) FROM items WHERE job_id = @job) ORDER BY j.key
              """;
        var keys = new List<string>();
        await foreach (var reader in QueryAsync(sql, ct)) keys.Add(reader.GetString(0));
        return keys;
    }

    /// <summary>
    /// Every result of the job with its item, ordered by item, method, layer and class (the results' identity
    /// index): one instance, refilled per row. Without <paramref name="withMaps"/> the map is left empty.
    /// </summary>
    public IAsyncEnumerable<ResultRecord> ResultsAsync(bool withMaps, CancellationToken ct) =>
        IsPostgres ? PostgresResultsAsync(withMaps, ct) : SqliteResultsAsync(ct);

    /// <summary>
    /// Both COPY streams read one snapshot: the first connection's REPEATABLE READ transaction exports it, the
    /// second's adopts it (as pg_dump does), so that a job still being written gives every result its item.
    /// </summary>
    private async IAsyncEnumerable<ResultRecord> PostgresResultsAsync(bool withMaps,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var results = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var items = new NpgsqlConnection(db.Database.GetConnectionString());
            await items.OpenAsync(ct);
            await using var resultsTransaction = await results.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            await using var export = new NpgsqlCommand("SELECT pg_export_snapshot()", results);
            var snapshot = (string)(await export.ExecuteScalarAsync(ct))!;
            await using var itemsTransaction = await items.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            var adoptSql = $"SET TRANSACTION SNAPSHOT '{snapshot.Replace("'", "''")}'";
            await using (var adopt = new NpgsqlCommand(adoptSql, items))
                await adopt.ExecuteNonQueryAsync(ct);
            await foreach (var row in PostgresResults.ReadAsync(results, items, jobId, withMaps, ct)) yield return row;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async IAsyncEnumerable<ResultRecord> SqliteResultsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        const string sql = """
            SELECT r.item_number, i.path, i.label, i.meta, r.method, r.layer, r.class_index, r.class_rank, r.score,
                   r.probability, r.predicted_class, r.label_class, r.peak_y, r.peak_x, r.energy, r.pointing_hit,
                   r.energy_in_box, r.average_drop, r.increase_in_confidence, r.deletion_area, r.insertion_area,
                   r.metrics, r.map_height, r.map_width, r.map
            FROM results r JOIN items i ON i.job_id = r.job_id AND i.number = r.item_number
            WHERE r.job_id = @job
            ORDER BY r.item_number, r.method, r.layer, r.class_index
            """;
        var row = new ResultRecord();
        await foreach (var r in QueryAsync(sql, ct))
        {
            row.Item = r.GetInt64(0);
            row.Path = r.GetString(1);
            row.Label = r.IsDBNull(2) ? null : r.GetString(2);
            row.Meta = r.IsDBNull(3) ? null : r.GetString(3);
            StoredResultFields.Fill(row, new ReaderResultFields(r, first: 4));
            row.Map = (byte[])r.GetValue(24);
            yield return row;
        }
    }

    /// <summary>The job's item and job-level errors, by item (job-level ones first), stage and method.</summary>
    public async IAsyncEnumerable<ErrorRecord> ErrorsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        const string sql = """
            SELECT item_number, stage, method, message, at FROM item_errors WHERE job_id = @job
            ORDER BY item_number IS NOT NULL, item_number, stage, method
            """;
        await foreach (var r in QueryAsync(sql, ct))
        {
            var method = r.GetString(2);
            yield return new ErrorRecord(r.IsDBNull(0) ? null : r.GetInt64(0), r.GetString(1), method == "" ? null : method,
                r.GetString(3), DateTime.SpecifyKind(r.GetDateTime(4), DateTimeKind.Utc));
        }
    }

    private async IAsyncEnumerable<DbDataReader> QueryAsync(string sql, [EnumeratorCancellation] CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            command.CommandTimeout = 0;
            var job = command.CreateParameter();
            job.ParameterName = "@job";
            // EF stores a Guid on SQLite as upper-case text; Npgsql sends it as uuid.
            job.Value = IsPostgres ? jobId : jobId.ToString().ToUpperInvariant();
            command.Parameters.Add(job);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) yield return reader;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
