using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Cam.Tests.Shared;

/// <summary>
/// Image files made to hurt a decoder: tiny files that declare huge dimensions (decompression bombs), built byte by
/// byte so that no encoder is needed. Linked into the test projects that need them.
/// </summary>
public static class HostileImages
{
    /// <summary>A valid PNG signature and IHDR declaring <paramref name="width"/>×<paramref name="height"/> RGB, with one small IDAT: about 100
    /// bytes.</summary>
    public static byte[] PngBomb(int width = 100_000, int height = 100_000)
    {
        using var file = new MemoryStream();
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        Chunk(file, "IHDR", header);
        using var zeros = new MemoryStream();
        using (var zlib = new ZLibStream(zeros, CompressionLevel.SmallestSize, leaveOpen: true)) zlib.Write(new byte[4096]);
        Chunk(file, "IDAT", zeros.ToArray());
        Chunk(file, "IEND", []);
        return file.ToArray();
    }

    /// <summary>A GIF whose logical screen and only frame declare 65535×65535 pixels, in 30-odd bytes.</summary>
    public static byte[] GifBomb()
    {
        using var file = new MemoryStream();
        file.Write("GIF89a"u8);
        file.Write([0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00]); // screen 65535×65535, no colour table
        file.Write([0x2C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]); // image descriptor
        file.Write([0x02, 0x02, 0x4C, 0x01, 0x00, 0x3B]); // LZW data, trailer
        return file.ToArray();
    }

    /// <summary>A BMP header declaring 60000×60000 pixels (Skia takes sides up to 65536) of 24 bits followed by a few bytes.</summary>
    public static byte[] BmpBomb()
    {
        var file = new byte[54 + 16];
        file[0] = (byte)'B';
        file[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(2), file.Length);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(18), 60_000);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(22), 60_000);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(28), 24);
        return file;
    }

    private static void Chunk(Stream file, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        file.Write(word);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        file.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        file.Write(word);
    }

    /// <summary>The CRC-32 of PNG chunks (ISO 3309, reflected polynomial 0xEDB88320).</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
