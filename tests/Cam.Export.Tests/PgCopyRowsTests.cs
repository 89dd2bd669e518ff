using System.Buffers.Binary;
using System.Text;

namespace Cam.Export.Tests;

/// <summary>
/// <see cref="PgCopyRows"/> against byte streams written here by the rules of PostgreSQL's binary COPY format (the
/// signature, flags, a header extension; per row an int16 field count, per field an int32 length or −1 and the
/// bytes, big-endian; −1 ends the data), handed out a few bytes per read, as a network stream may.
/// </summary>
public sealed class PgCopyRowsTests
{
    private static readonly byte[] Signature = [.. "PGCOPY\n"u8, 0xFF, (byte)'\r', (byte)'\n', 0];

    [Fact]
    public async Task Rows_split_across_reads_and_a_field_larger_than_the_buffer_come_back_with_their_values()
    {
        // 1.5 MB: larger than the reader's 1 MB buffer, which must grow to hold the row.
        var large = new byte[1_500_000];
        new Random(28).NextBytes(large);
        var data = Copy(extension: [1, 2, 3, 4],
            Row(Int64(-7), Text("gradcam"), null, Single(0.125f), [1], Jsonb("""{"site":"A"}""")),
            Row(Int64(long.MaxValue), Text(""), Int32(-1), Single(float.NaN), [0], large));
        var rows = new PgCopyRows(new TrickleStream(data, 7), 6);

        Assert.True(await rows.ReadAsync());
        Assert.Equal(-7L, rows.Int64(0));
        Assert.Equal("gradcam", Encoding.UTF8.GetString(rows.Bytes(1)));
        Assert.True(rows.IsNull(2));
        Assert.Equal(0.125f, rows.Single(3));
        Assert.True(rows.Boolean(4));
        Assert.Equal("""{"site":"A"}""", Encoding.UTF8.GetString(rows.Jsonb(5)));

        Assert.True(await rows.ReadAsync());
        Assert.Equal(long.MaxValue, rows.Int64(0));
        Assert.False(rows.IsNull(1));
        Assert.Equal(0, rows.Bytes(1).Length);
        Assert.Equal(-1, rows.Int32(2));
        Assert.True(float.IsNaN(rows.Single(3)));
        Assert.False(rows.Boolean(4));
        Assert.True(rows.Memory(5).Span.SequenceEqual(large));

        Assert.False(await rows.ReadAsync());
        Assert.False(await rows.ReadAsync());
    }

    [Fact]
    public async Task A_stream_that_is_not_binary_copy_data_or_ends_inside_a_row_is_refused_with_the_reason()
    {
        var text = new PgCopyRows(new MemoryStream(Encoding.ASCII.GetBytes("1\tgradcam\n2\tscorecam\n\\.\n")), 2);
        Assert.Contains("signature", (await RefusedAsync(text)).Message);

        var whole = Copy([], Row(Int64(1), Text("gradcam")));
        var cut = new PgCopyRows(new MemoryStream(whole[..^6]), 2);
        Assert.Contains("ended inside a row", (await RefusedAsync(cut)).Message);

        var wide = new PgCopyRows(new MemoryStream(whole), 3);
        Assert.Contains("2 fields where 3", (await RefusedAsync(wide)).Message);

        var rows = new PgCopyRows(new MemoryStream(whole), 2);
        Assert.True(await rows.ReadAsync());
        Assert.Contains("holds 7 bytes where 4", Assert.Throws<FormatException>(() => rows.Int32(1)).Message);
    }

    private static Task<FormatException> RefusedAsync(PgCopyRows rows) =>
        Assert.ThrowsAsync<FormatException>(() => rows.ReadAsync().AsTask());

    private static byte[] Copy(byte[] extension, params byte[][] rows)
    {
        var data = new List<byte>(Signature);
        data.AddRange(Int32(0));
        data.AddRange(Int32(extension.Length));
        data.AddRange(extension);
        foreach (var row in rows) data.AddRange(row);
        data.AddRange(Int16(-1));
        return data.ToArray();
    }

    private static byte[] Row(params byte[]?[] fields)
    {
        var row = new List<byte>(Int16((short)fields.Length));
        foreach (var field in fields)
        {
            row.AddRange(Int32(field?.Length ?? -1));
            if (field is not null) row.AddRange(field);
        }
        return row.ToArray();
    }

    private static byte[] Int16(short value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Single(float value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteSingleBigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    private static byte[] Jsonb(string value) => [1, .. Encoding.UTF8.GetBytes(value)];

    /// <summary>A stream that hands out at most <c>chunk</c> bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], ct);
    }
}
