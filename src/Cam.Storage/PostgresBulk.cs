using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Cam.Storage;

/// <summary>Binary COPY into PostgreSQL, on the context's connection and transaction.</summary>
internal static class PostgresBulk
{
    /// <summary>The columns of <c>results</c> that a copied result fills, in the order <see cref="CopyResultsAsync"/> writes them.</summary>
    private const string ResultColumns =
        "job_id, item_number, method, layer, class_index, class_rank, score, probability, map_height, map_width, map, peak_y, peak_x, " +
        "energy, metrics, predicted_class, label_class, pointing_hit, energy_in_box, average_drop, increase_in_confidence, deletion_area, " +
        "insertion_area";

    private const string CreateStaging = $"""
        CREATE TEMP TABLE IF NOT EXISTS results_staging ON COMMIT DELETE ROWS AS
        SELECT {ResultColumns}
        FROM results WITH NO DATA
        """;

    private const string CopyItems =
        "COPY items (job_id, number, shard_number, path, label, boxes, meta, state) FROM STDIN (FORMAT BINARY)";

    private const string CopyIntoStaging = $"COPY results_staging ({ResultColumns}) FROM STDIN (FORMAT BINARY)";

    private const string InsertNewFromStaging = $"""
        INSERT INTO results ({ResultColumns})
        SELECT {ResultColumns}
        FROM results_staging
        ON CONFLICT (job_id, item_number, method, layer, class_index) DO NOTHING
        """;

    public static Task CopyItemsAsync(CamDbContext db, IReadOnlyList<ItemRow> items, CancellationToken ct) =>
        CopyRowsAsync(db, CopyItems, items, async (import, item) =>
        {
            await import.WriteAsync(item.JobId, NpgsqlDbType.Uuid, ct);
            await import.WriteAsync(item.Number, NpgsqlDbType.Bigint, ct);
            await import.WriteAsync(item.ShardNumber, NpgsqlDbType.Integer, ct);
            await import.WriteAsync(item.Path, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(import, item.Label, ct);
            await WriteNullableAsync(import, item.Boxes, ct);
            await WriteNullableAsync(import, item.Meta, ct, NpgsqlDbType.Jsonb);
            await import.WriteAsync(item.State, NpgsqlDbType.Text, ct);
        }, ct);

    /// <summary>COPY into a temporary staging table, then insert what is new: a redelivered shard adds nothing.</summary>
    public static async Task<int> CopyResultsAsync(CamDbContext db, IReadOnlyList<ResultRow> results, CancellationToken ct)
    {
        if (results.Count == 0) return 0;
        await db.Database.ExecuteSqlRawAsync(CreateStaging, ct);
        await CopyRowsAsync(db, CopyIntoStaging, results, async (import, r) =>
        {
            await import.WriteAsync(r.JobId, NpgsqlDbType.Uuid, ct);
            await import.WriteAsync(r.ItemNumber, NpgsqlDbType.Bigint, ct);
            await import.WriteAsync(r.Method, NpgsqlDbType.Text, ct);
            await import.WriteAsync(r.Layer, NpgsqlDbType.Text, ct);
            await import.WriteAsync(r.ClassIndex, NpgsqlDbType.Integer, ct);
            await import.WriteAsync(r.ClassRank, NpgsqlDbType.Integer, ct);
            await import.WriteAsync(r.Score, NpgsqlDbType.Real, ct);
            await import.WriteAsync(r.Probability, NpgsqlDbType.Real, ct);
            await import.WriteAsync(r.MapHeight, NpgsqlDbType.Integer, ct);
            await import.WriteAsync(r.MapWidth, NpgsqlDbType.Integer, ct);
            await import.WriteAsync(r.Map, NpgsqlDbType.Bytea, ct);
            await import.WriteAsync(r.PeakY, NpgsqlDbType.Integer, ct);
            await import.WriteAsync(r.PeakX, NpgsqlDbType.Integer, ct);
            await import.WriteAsync(r.Energy, NpgsqlDbType.Real, ct);
            await WriteNullableAsync(import, r.Metrics, ct);
            await import.WriteAsync(r.PredictedClass, NpgsqlDbType.Integer, ct);
            await WriteNullableAsync(import, r.LabelClass, NpgsqlDbType.Integer, ct);
            await WriteNullableAsync(import, r.PointingHit, NpgsqlDbType.Boolean, ct);
            await WriteNullableAsync(import, r.EnergyInBox, NpgsqlDbType.Real, ct);
            await WriteNullableAsync(import, r.AverageDrop, NpgsqlDbType.Real, ct);
            await WriteNullableAsync(import, r.IncreaseInConfidence, NpgsqlDbType.Boolean, ct);
            await WriteNullableAsync(import, r.DeletionArea, NpgsqlDbType.Real, ct);
            await WriteNullableAsync(import, r.InsertionArea, NpgsqlDbType.Real, ct);
        }, ct);
        return await db.Database.ExecuteSqlRawAsync(InsertNewFromStaging, ct);
    }

    /// <summary>
    /// One binary COPY (<paramref name="copy"/>) of <paramref name="rows"/> on the context's connection: each row
    /// started, then its columns written by <paramref name="writeRow"/>, in the command's column order.
    /// </summary>
    private static async Task CopyRowsAsync<T>(CamDbContext db, string copy, IReadOnlyList<T> rows,
        Func<NpgsqlBinaryImporter, T, Task> writeRow, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var import = await connection.BeginBinaryImportAsync(copy, ct);
        foreach (var row in rows)
        {
            await import.StartRowAsync(ct);
            await writeRow(import, row);
        }
        await import.CompleteAsync(ct);
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter import, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct
    {
        if (value is null) await import.WriteNullAsync(ct);
        else await import.WriteAsync(value.Value, type, ct);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter import, string? value, CancellationToken ct,
        NpgsqlDbType type = NpgsqlDbType.Text)
    {
        if (value is null) await import.WriteNullAsync(ct);
        else await import.WriteAsync(value, type, ct);
    }
}
