using System.Buffers.Binary;
using System.IO.Compression;

namespace Cam.Datasets;

/// <summary>
/// The samples of a 16-bit grey PNG (colour type 0), read here because Skia reduces them to 8 bits before anything
/// else sees them, while PIL keeps them (mode <c>I</c>) and clips them to 255 when converting to RGB. Handles the five
/// scanline filters and Adam7 interlacing; the pixel count has been checked against the limits before this runs.
/// </summary>
internal static class Gray16Png
{
    /// <summary>Adam7 passes: first row, first column, row step, column step.</summary>
    private static readonly (int Row, int Column, int RowStep, int ColumnStep)[] Adam7 =
        [(0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1)];

    /// <summary>The grey values of the PNG in <paramref name="file"/>, row by row (height × width).</summary>
    /// <exception cref="InvalidDataException">The file is damaged or truncated.</exception>
    public static ushort[] Read(ReadOnlySpan<byte> file, string name)
    {
        var width = BinaryPrimitives.ReadInt32BigEndian(file[16..]);
        var height = BinaryPrimitives.ReadInt32BigEndian(file[20..]);
        var interlaced = file[28] == 1;
        var filtered = Inflate(CompressedData(file, name), FilteredLength(width, height, interlaced), name);
        var values = new ushort[(long)width * height];
        var offset = 0;
        foreach (var (row0, column0, rowStep, columnStep) in interlaced ? Adam7 : [(0, 0, 1, 1)])
        {
            var passWidth = (width - column0 + columnStep - 1) / columnStep;
            var passHeight = (height - row0 + rowStep - 1) / rowStep;
            if (passWidth <= 0 || passHeight <= 0) continue;
            var stride = passWidth * 2;
            var previous = new byte[stride];
            var line = new byte[stride];
            for (var r = 0; r < passHeight; r++)
            {
                var filter = filtered[offset];
                filtered.AsSpan(offset + 1, stride).CopyTo(line);
                offset += stride + 1;
                Unfilter(filter, line, previous, name);
                for (var c = 0; c < passWidth; c++)
                    values[(long)(row0 + r * rowStep) * width + column0 + c * columnStep] = BinaryPrimitives.ReadUInt16BigEndian(line.AsSpan(c * 2));
                (previous, line) = (line, previous);
            }
        }
        return values;
    }

    /// <summary>Bytes of filtered scanlines (a filter byte per line) the image needs, per pass when interlaced.</summary>
    private static long FilteredLength(int width, int height, bool interlaced)
    {
        long total = 0;
        foreach (var (row0, column0, rowStep, columnStep) in interlaced ? Adam7 : [(0, 0, 1, 1)])
        {
            long passWidth = (width - column0 + columnStep - 1) / columnStep, passHeight = (height - row0 + rowStep - 1) / rowStep;
            if (passWidth > 0 && passHeight > 0) total += passHeight * (1 + passWidth * 2);
        }
        return total;
    }

    /// <summary>The IDAT chunks' contents, concatenated.</summary>
    private static byte[] CompressedData(ReadOnlySpan<byte> file, string name)
    {
        using var data = new MemoryStream();
        for (var at = 8; at + 8 <= file.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(file[at..]);
            if (length < 0 || at + 12L + length > file.Length) throw Damaged(name);
            var kind = file.Slice(at + 4, 4);
            if (kind.SequenceEqual("IDAT"u8)) data.Write(file.Slice(at + 8, length));
            if (kind.SequenceEqual("IEND"u8)) break;
            at += 12 + length;
        }
        return data.ToArray();
    }

    private static byte[] Inflate(byte[] compressed, long length, string name)
    {
        var output = new byte[length];
        using var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
        try
        {
            zlib.ReadExactly(output);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw Damaged(name);
        }
        return output;
    }

    /// <summary>PNG's scanline filters on 2-byte pixels: None, Sub, Up, Average, Paeth (reversed in place).</summary>
    private static void Unfilter(byte filter, Span<byte> line, ReadOnlySpan<byte> previous, string name)
    {
        const int bpp = 2;
        for (var i = 0; i < line.Length; i++)
        {
            int left = i >= bpp ? line[i - bpp] : 0, up = previous[i], upLeft = i >= bpp ? previous[i - bpp] : 0;
            line[i] += filter switch
            {
                0 => 0,
                1 => (byte)left,
                2 => (byte)up,
                3 => (byte)((left + up) / 2),
                4 => (byte)Paeth(left, up, upLeft),
                _ => throw Damaged(name),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static ImageDecodeException Damaged(string name) =>
        new(ImageErrorReason.Corrupt, $"'{name}' is a damaged or truncated image");
}
