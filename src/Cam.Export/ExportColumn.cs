using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace Cam.Export;

/// <summary>
/// One column of an exported table, defined once for both formats: its Parquet field and row-group buffers, and its
/// CSV cell. Two buffers: the row group being built (<see cref="Add"/>) and the one being written
/// (<see cref="FlushAsync"/>, on another thread), swapped between row groups and reused, so that memory stays what
/// two row groups need.
/// </summary>
public abstract class ExportColumn<TRow>(string name)
{
    public string Name { get; } = name;
    public abstract Field Field { get; }
    /// <summary>Appends the row's value to the row group being built.</summary>
    public abstract void Add(TRow row);
    /// <summary>The row group built becomes the one to write; the one written before is emptied for the next.</summary>
    public abstract void Swap();
    /// <summary>Writes the swapped-out values as this column's chunk of the row group.</summary>
    public abstract Task FlushAsync(ParquetRowGroupWriter group, CancellationToken ct);
    /// <summary>The row's value as a CSV cell (invariant culture, round-trip floats), unquoted.</summary>
    public abstract string Text(TRow row);
    /// <summary>List values buffered in the row group so far (zero for a column of scalars): the writer caps them.</summary>
    public virtual int BufferedValues => 0;
}

/// <summary>The column kinds the export writes.</summary>
public static class ExportColumns
{
    public static ExportColumn<TRow> Of<TRow, T>(string name, Func<TRow, T> get) where T : struct =>
        new Values<TRow, T>(name, get);

    public static ExportColumn<TRow> Of<TRow, T>(string name, Func<TRow, T?> get) where T : struct =>
        new NullableValues<TRow, T>(name, get);

    public static ExportColumn<TRow> Text<TRow>(string name, Func<TRow, string?> get, bool nullable = true) =>
        new Texts<TRow>(name, get, nullable);

    public static ExportColumn<TRow> FloatList<TRow>(string name, Func<TRow, int> count, Action<TRow, Span<float>> fill) =>
        new FloatLists<TRow>(name, count, fill);

    internal static string Cell(object? value) => value switch
    {
        null => "",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Cells of a struct type (<typeparamref name="TCell"/> is <c>T</c> or <c>T?</c>) buffered for the row group.</summary>
    private abstract class BufferedValues<TRow, TCell>(string name, Func<TRow, TCell> get, bool nullable) : ExportColumn<TRow>(name)
    {
        protected readonly DataField<TCell> DataField = new(name, nullable);
        private TCell[] buffer = new TCell[1024];
        private TCell[] written = new TCell[1024];
        private int count;
        private int writtenCount;
        public override Field Field => DataField;

        public override void Add(TRow row)
        {
            if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            buffer[count++] = get(row);
        }

        public override void Swap()
        {
            (buffer, written, writtenCount, count) = (written, buffer, count, 0);
        }

        public override async Task FlushAsync(ParquetRowGroupWriter group, CancellationToken ct) =>
            await WriteAsync(group, written.AsMemory(0, writtenCount), ct);

        /// <summary>Parquet's writer of this kind of cell (values, or values and nulls).</summary>
        protected abstract Task WriteAsync(ParquetRowGroupWriter group, Memory<TCell> cells, CancellationToken ct);

        public override string Text(TRow row) => Cell(get(row));
    }

    private sealed class Values<TRow, T>(string name, Func<TRow, T> get) : BufferedValues<TRow, T>(name, get, nullable: false) where T : struct
    {
        protected override async Task WriteAsync(ParquetRowGroupWriter group, Memory<T> cells, CancellationToken ct) =>
            await group.WriteAsync<T>(DataField, cells, null, null, ct);
    }

    private sealed class NullableValues<TRow, T>(string name, Func<TRow, T?> get) : BufferedValues<TRow, T?>(name, get,
        nullable: true) where T : struct
    {
        protected override async Task WriteAsync(ParquetRowGroupWriter group, Memory<T?> cells, CancellationToken ct) =>
            await group.WriteAsync<T>(DataField, cells, null, null, ct);
    }

    private sealed class Texts<TRow>(string name, Func<TRow, string?> get, bool nullable) : ExportColumn<TRow>(name)
    {
        private readonly DataField<string> dataField = new(name, nullable);
        private List<string> buffer = [];
        private List<string> written = [];
        public override Field Field => dataField;

        public override void Add(TRow row) =>
            buffer.Add(get(row) ?? (nullable ? null! : throw new InvalidOperationException($"column {Name} has no value")));

        public override void Swap()
        {
            (buffer, written) = (written, buffer);
            buffer.Clear();
        }

        public override async Task FlushAsync(ParquetRowGroupWriter group, CancellationToken ct) =>
            await group.WriteAsync(dataField, written, null);

        public override string Text(TRow row) => get(row) ?? "";
    }

    /// <summary>A <c>list&lt;float&gt;</c>: the values of every row flat, with repetition levels marking where each row starts.</summary>
    private sealed class FloatLists<TRow>(string name, Func<TRow, int> count, Action<TRow, Span<float>> fill) : ExportColumn<TRow>(name)
    {
        private readonly ListField dataField = new(name, new DataField<float>("element", false));
        private float[] values = new float[4096];
        private int[] levels = new int[4096];
        private float[] writtenValues = new float[4096];
        private int[] writtenLevels = new int[4096];
        private int[] definitions = [];
        private int length;
        private int writtenLength;
        public override Field Field => dataField;
        public override int BufferedValues => length;

        public override void Add(TRow row)
        {
            var n = count(row);
            if (n == 0) throw new InvalidOperationException($"column {Name}: a row has an empty list, which the export does not write");
            if (length + n > values.Length)
            {
                var size = Math.Max(values.Length * 2, length + n);
                Array.Resize(ref values, size);
                Array.Resize(ref levels, size);
            }
            fill(row, values.AsSpan(length, n));
            levels[length] = 0;
            levels.AsSpan(length + 1, n - 1).Fill(1);
            length += n;
        }

        public override void Swap()
        {
            (values, writtenValues) = (writtenValues, values);
            (levels, writtenLevels) = (writtenLevels, levels);
            (writtenLength, length) = (length, 0);
        }

        public override async Task FlushAsync(ParquetRowGroupWriter group, CancellationToken ct)
        {
            // Every element is defined (no null list, no null element): each at the field's maximum definition level.
            var element = (DataField)dataField.Item;
            var n = writtenLength;
            if (definitions.Length < n) definitions = new int[writtenValues.Length];
            definitions.AsSpan(0, n).Fill(element.MaxDefinitionLevel);
            await group.WriteAllPartsAsync<float>(element, writtenValues.AsMemory(0, n), definitions.AsMemory(0, n),
                writtenLevels.AsMemory(0, n), ct);
        }

        public override string Text(TRow row)
        {
            var buffer = new float[count(row)];
            fill(row, buffer);
            return "[" + string.Join(",", buffer.Select(v => Cell(v))) + "]";
        }
    }
}
