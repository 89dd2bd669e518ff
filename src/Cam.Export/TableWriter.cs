using System.Text;
using Parquet;
using Parquet.Schema;

namespace Cam.Export;

/// <summary>
/// Writes rows to a stream as Parquet (row groups of at most <c>rowGroupRows</c> rows or <c>rowGroupValues</c> list
/// values, Snappy-compressed, text columns dictionary-encoded where their values repeat) or CSV (a header, then one
/// line per row, RFC 4180 quoting). A full row group is encoded and written on a thread of its own while the next one
/// is filled; memory is two row groups.
/// </summary>
public sealed class TableWriter<TRow> : IAsyncDisposable
{
    private readonly ExportColumn<TRow>[] columns;
    private readonly ParquetWriter? parquet;
    private readonly StreamWriter? csv;
    private readonly Stream stream;
    private readonly int rowGroupRows;
    private readonly int rowGroupValues;
    private int buffered;
    private bool completed;
    /// <summary>The row group being written (at most one at a time: the Parquet writer is not shared).</summary>
    private Task writing = Task.CompletedTask;

    public long Rows { get; private set; }

    /// <summary>
    /// Text columns are dictionary-encoded where a row group's first <see cref="DictionarySample"/> values hold at most
    /// 80 % distinct ones (Parquet.Net's threshold), and plain otherwise: an item's path, label and meta repeat on each
    /// of its results, method, layer and class names on many. Each distinct value is encoded once instead of once per
    /// row (Parquet.Net's plain encoder also allocates per value), and the file is smaller.
    /// </summary>
    public const int DictionarySample = 1000;

    private TableWriter(Stream stream, IReadOnlyList<ExportColumn<TRow>> columns, ParquetWriter? parquet, StreamWriter? csv,
        int rowGroupRows, int rowGroupValues)
    {
        (this.stream, this.columns, this.parquet, this.csv) = (stream, columns.ToArray(), parquet, csv);
        (this.rowGroupRows, this.rowGroupValues) = (Math.Max(1, rowGroupRows), Math.Max(1, rowGroupValues));
    }

    public static async Task<TableWriter<TRow>> CreateAsync(Stream stream, IReadOnlyList<ExportColumn<TRow>> columns, ExportFormat format,
        int rowGroupRows, int rowGroupValues, CancellationToken ct)
    {
        var duplicate = columns.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"two columns are named '{duplicate.Key}'");
        if (format == ExportFormat.Csv)
        {
            var csv = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            await csv.WriteLineAsync(string.Join(",", columns.Select(c => Quote(c.Name))));
            return new TableWriter<TRow>(stream, columns, null, csv, rowGroupRows, rowGroupValues);
        }
        var schema = new ParquetSchema(columns.Select(c => c.Field).ToArray<Field>());
        var options = new ParquetOptions
        {
            CompressionMethod = CompressionMethod.Snappy,
            DictionaryEncodingSampleSize = DictionarySample,
        };
        foreach (var column in columns.Where(c => c.Field is DataField<string>))
            options.ColumnEncodingHints[column.Name] = EncodingHint.Dictionary;
        var writer = await ParquetWriter.CreateAsync(schema, stream, options, false, ct);
        return new TableWriter<TRow>(stream, columns, writer, null, rowGroupRows, rowGroupValues);
    }

    public async ValueTask AddAsync(TRow row, CancellationToken ct)
    {
        Rows++;
        if (csv is not null)
        {
            for (var i = 0; i < columns.Length; i++)
            {
                if (i > 0) csv.Write(',');
                csv.Write(Quote(columns[i].Text(row)));
            }
            await csv.WriteAsync('\n');
            return;
        }
        var full = ++buffered >= rowGroupRows;
        foreach (var column in columns)
        {
            column.Add(row);
            full |= column.BufferedValues >= rowGroupValues;
        }
        if (full) await StartRowGroupAsync(ct);
    }

    /// <summary>Writes what is buffered and the file's footer.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        if (completed) return;
        completed = true;
        if (csv is not null)
        {
            await csv.FlushAsync(ct);
            return;
        }
        if (buffered > 0) await StartRowGroupAsync(ct);
        await writing;
        await parquet!.DisposeAsync();
        await stream.FlushAsync(ct);
    }

    /// <summary>Waits for the row group before to be written, then hands the buffered one to a writer thread.</summary>
    private async Task StartRowGroupAsync(CancellationToken ct)
    {
        await writing;
        foreach (var column in columns) column.Swap();
        buffered = 0;
        writing = Task.Run(() => WriteRowGroupAsync(ct), ct);
    }

    private async Task WriteRowGroupAsync(CancellationToken ct)
    {
        using (var group = parquet!.CreateRowGroup())
        {
            foreach (var column in columns) await column.FlushAsync(group, ct);
            group.CompleteValidate();
        }
        // A response stream sends the row group now rather than at the end.
        await stream.FlushAsync(ct);
    }

    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\n\r") < 0 ? cell : "\"" + cell.Replace("\"", "\"\"") + "\"";

    public async ValueTask DisposeAsync()
    {
        if (csv is not null)
        {
            await csv.DisposeAsync();
            return;
        }
        // An export that failed or was cancelled: the row group being written ends (its error was or will not be
        // reported here) before the file is closed.
        await writing.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        if (!completed) await parquet!.DisposeAsync();
    }
}
