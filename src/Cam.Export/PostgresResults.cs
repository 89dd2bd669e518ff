using System.Runtime.CompilerServices;
using System.Text;
using Npgsql;

namespace Cam.Export;

/// <summary>
/// A job's results with their items, from PostgreSQL as two binary COPY streams on two connections — the results
/// in the identity index's order (item, method, layer, class), the items by number — merged by item number, as the
/// inner join did: the server sends an item's path, label and meta once rather than once per result, and the rows
/// are parsed from the wire format in place (<see cref="PgCopyRows"/>). Strings that repeat from row to row (method,
/// layer, metrics) are decoded once (<see cref="Utf8Strings"/>), an item's once per item; the map stays as its bytes.
/// </summary>
internal static class PostgresResults
{
    private const string Columns = """
        item_number, method, layer, class_index, class_rank, score, probability, predicted_class, label_class, peak_y,
        peak_x, energy, pointing_hit, energy_in_box, average_drop, increase_in_confidence, deletion_area,
        insertion_area, metrics, map_height, map_width
        """;

    private const int ColumnCount = 21;

    /// <summary>The rows, one <see cref="ResultRecord"/> refilled per row (its map valid until the next).</summary>
    public static async IAsyncEnumerable<ResultRecord> ReadAsync(NpgsqlConnection results, NpgsqlConnection items,
        Guid jobId, bool withMaps, [EnumeratorCancellation] CancellationToken ct)
    {
        // A Guid formats as hex digits and dashes only: safe inline (COPY takes no parameters).
        var job = jobId.ToString("D");
        var resultStream = await results.BeginRawBinaryCopyAsync(
            $"COPY (SELECT {Columns}{(withMaps ? ", map" : "")} FROM results WHERE job_id = '{job}' " +
            "ORDER BY item_number, method, layer, class_index) TO STDOUT (FORMAT BINARY)", ct);
        NpgsqlRawCopyStream? itemStream = null;
        var (item, itemsLeft, resultsLeft) = (long.MinValue, true, true);
        try
        {
            itemStream = await items.BeginRawBinaryCopyAsync(
                $"COPY (SELECT number, path, label, meta FROM items WHERE job_id = '{job}' ORDER BY number) " +
                "TO STDOUT (FORMAT BINARY)", ct);
            var rows = new PgCopyRows(resultStream, ColumnCount + (withMaps ? 1 : 0));
            var itemRows = new PgCopyRows(itemStream, 4);
            var (methods, layers, metrics) = (new Utf8Strings(), new Utf8Strings(), new Utf8Strings());
            var row = new ResultRecord();
            var decoded = long.MinValue;
            while (resultsLeft = await rows.ReadAsync(ct))
            {
                var number = rows.Int64(0);
                while (itemsLeft && item < number)
                {
                    itemsLeft = await itemRows.ReadAsync(ct);
                    if (itemsLeft) item = itemRows.Int64(0);
                }
                // A result without its item is left out, as the join left it out.
                if (item != number) continue;
                if (decoded != number)
                {
                    row.Path = Encoding.UTF8.GetString(itemRows.Bytes(1));
                    row.Label = itemRows.IsNull(2) ? null : Encoding.UTF8.GetString(itemRows.Bytes(2));
                    row.Meta = itemRows.IsNull(3) ? null : Encoding.UTF8.GetString(itemRows.Jsonb(3));
                    decoded = number;
                }
                row.Item = number;
                StoredResultFields.Fill(row, new CopyResultFields(rows, methods, layers, metrics));
                row.Map = withMaps ? rows.Memory(ColumnCount) : ReadOnlyMemory<byte>.Empty;
                yield return row;
            }
        }
        finally
        {
            await EndAsync(resultStream, resultsLeft);
            await EndAsync(itemStream, itemsLeft);
        }
    }

    /// <summary>
    /// Ends a COPY: one read to its end closes cleanly; one left midway (the rest of the items after the last result,
    /// an export that failed or was cancelled) is cancelled on the server, not drained row by row. The cancel's error
    /// ends the transaction, which is rolled back anyway.
    /// </summary>
    private static async Task EndAsync(NpgsqlRawCopyStream? stream, bool midway)
    {
        if (stream is null) return;
        if (!midway)
        {
            await stream.DisposeAsync();
            return;
        }
        try
        {
            await stream.CancelAsync();
            await stream.DisposeAsync();
        }
        catch (NpgsqlException)
        {
            // The server's answer to the cancel (57014, query cancelled), or the COPY ended before it arrived.
        }
    }
}
