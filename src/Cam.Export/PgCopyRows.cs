using System.Buffers.Binary;

namespace Cam.Export;

/// <summary>
/// Rows of PostgreSQL's binary COPY format (<c>COPY … TO STDOUT (FORMAT BINARY)</c>) read from a stream, their
/// fields handed out as spans of one reused buffer (valid until the next <see cref="ReadAsync"/>): no allocation per
/// row or field. The format: the 11-byte signature <c>PGCOPY\n\xff\r\n\0</c>, an int32 of flags, an int32 header
/// extension length and its bytes; then per row an int16 field count and, per field, an int32 length (−1: null) and
/// that many bytes; a field count of −1 ends the data. Integers and floats are big-endian (PostgreSQL's send format).
/// </summary>
public sealed class PgCopyRows(Stream stream, int fields)
{
    private static readonly byte[] Signature = [.. "PGCOPY\n"u8, 0xFF, (byte)'\r', (byte)'\n', 0];

    private readonly int[] offsets = new int[fields];
    private readonly int[] lengths = new int[fields];
    private byte[] buffer = new byte[1 << 20];
    private int start;
    private int end;
    private bool headerRead;
    private bool finished;

    /// <summary>Moves to the next row; false once the data's end marker has been read.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken ct = default)
    {
        if (finished) return false;
        while (!headerRead)
        {
            headerRead = TryReadHeader();
            if (!headerRead && !await FillAsync(ct)) throw new FormatException("the COPY data ended inside its header");
        }
        while (true)
        {
            switch (TryParseRow())
            {
                case RowState.Row:
                    return true;
                case RowState.End:
                    finished = true;
                    return false;
            }
            if (!await FillAsync(ct)) throw new FormatException("the COPY data ended inside a row");
        }
    }

    public bool IsNull(int field) => lengths[field] < 0;

    /// <summary>The field's bytes as sent (empty for a null).</summary>
    public ReadOnlySpan<byte> Bytes(int field) =>
        lengths[field] < 0 ? [] : buffer.AsSpan(offsets[field], lengths[field]);

    /// <summary>The field's bytes as memory over the reused buffer: valid until the next row is read.</summary>
    public ReadOnlyMemory<byte> Memory(int field) =>
        lengths[field] < 0 ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(offsets[field], lengths[field]);

    public int Int32(int field) => BinaryPrimitives.ReadInt32BigEndian(Fixed(field, 4));

    public long Int64(int field) => BinaryPrimitives.ReadInt64BigEndian(Fixed(field, 8));

    public float Single(int field) => BinaryPrimitives.ReadSingleBigEndian(Fixed(field, 4));

    public bool Boolean(int field) => Fixed(field, 1)[0] != 0;

    /// <summary>A <c>jsonb</c> field's text (its send format is a version byte, 1, then the JSON as text).</summary>
    public ReadOnlySpan<byte> Jsonb(int field)
    {
        var bytes = Bytes(field);
        if (bytes.Length == 0 || bytes[0] != 1)
            throw new FormatException($"COPY field {field} is not jsonb of version 1 ({bytes.Length} bytes)");
        return bytes[1..];
    }

    private ReadOnlySpan<byte> Fixed(int field, int size)
    {
        if (lengths[field] != size)
            throw new FormatException($"COPY field {field} holds {lengths[field]} bytes where {size} were expected" +
                                      (lengths[field] < 0 ? " (it is null)" : ""));
        return buffer.AsSpan(offsets[field], size);
    }

    private bool TryReadHeader()
    {
        var available = buffer.AsSpan(start, end - start);
        if (available.Length < Signature.Length + 8) return false;
        if (!available[..Signature.Length].SequenceEqual(Signature))
            throw new FormatException("the data does not start with PostgreSQL's binary COPY signature");
        var extension = BinaryPrimitives.ReadInt32BigEndian(available[(Signature.Length + 4)..]);
        if (extension < 0) throw new FormatException($"the COPY header extension length {extension} is negative");
        var header = Signature.Length + 8 + extension;
        if (available.Length < header) return false;
        start += header;
        return true;
    }

    private enum RowState
    {
        Incomplete,
        Row,
        End,
    }

    /// <summary>Parses the row at <see cref="start"/> when all of it is buffered, and consumes it.</summary>
    private RowState TryParseRow()
    {
        var position = start;
        if (end - position < 2) return RowState.Incomplete;
        var count = BinaryPrimitives.ReadInt16BigEndian(buffer.AsSpan(position));
        position += 2;
        if (count == -1)
        {
            start = position;
            return RowState.End;
        }
        if (count != fields) throw new FormatException($"a COPY row has {count} fields where {fields} were expected");
        for (var f = 0; f < fields; f++)
        {
            if (end - position < 4) return RowState.Incomplete;
            var length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(position));
            position += 4;
            if (length > 0 && end - position < length) return RowState.Incomplete;
            offsets[f] = position;
            lengths[f] = length;
            if (length > 0) position += length;
        }
        start = position;
        return RowState.Row;
    }

    /// <summary>
    /// Keeps the unparsed bytes (moved to the front, the buffer doubled when they fill it) and reads at least 64 KiB
    /// more (a COPY stream hands out one row per read) or up to the end of the data; false when nothing more came.
    /// </summary>
    private async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (start > 0)
        {
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            (end, start) = (end - start, 0);
        }
        if (end == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
        var total = 0;
        while (total < 1 << 16 && end < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(end), ct);
            if (read == 0) break;
            (end, total) = (end + read, total + read);
        }
        return total > 0;
    }
}
