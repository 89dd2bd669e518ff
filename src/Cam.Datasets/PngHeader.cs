using System.Buffers.Binary;

namespace Cam.Datasets;

/// <summary>What a PNG's IHDR chunk declares about its samples (the decoder needs it where Skia's image info hides it).</summary>
internal readonly record struct PngHeader(int BitDepth, int ColorType)
{
    /// <summary>PNG colour type 0: grey without alpha (PIL opens it at 16 bits as mode <c>I</c>).</summary>
    public bool IsGray16 => BitDepth == 16 && ColorType == 0;

    /// <summary>The header of a PNG file, or null when <paramref name="file"/> is not a PNG with an IHDR chunk first.</summary>
    public static PngHeader? Read(ReadOnlySpan<byte> file)
    {
        // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), bit depth (1), colour type (1).
        if (file.Length < 26 || file[..8] is not [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]) return null;
        if (BinaryPrimitives.ReadInt32BigEndian(file[8..]) != 13 || !file.Slice(12, 4).SequenceEqual("IHDR"u8)) return null;
        return new PngHeader(file[24], file[25]);
    }
}
