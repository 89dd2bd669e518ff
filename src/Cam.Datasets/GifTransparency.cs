namespace Cam.Datasets;

/// <summary>
/// The colour a GIF's first frame gives its transparent index. Skia decodes transparent pixels as transparent black;
/// PIL's <c>convert("RGB")</c> of the palette image shows the index's palette colour, so the decoder puts it back.
/// </summary>
internal static class GifTransparency
{
    /// <summary>
    /// The (r, g, b) of the first frame's transparent index, from its graphic control extension and the colour table
    /// that applies (the frame's local table, else the global one); null without transparency or when the file is cut short.
    /// </summary>
    public static (byte R, byte G, byte B)? Color(ReadOnlySpan<byte> file)
    {
        if (file.Length < 13 || !(file[..6].SequenceEqual("GIF87a"u8) || file[..6].SequenceEqual("GIF89a"u8))) return null;
        var flags = file[10];
        var global = (flags & 0x80) != 0 ? (Start: 13, Entries: 2 << (flags & 7)) : (Start: 0, Entries: 0);
        var at = 13 + global.Entries * 3;
        int? transparent = null;
        while (at < file.Length)
        {
            switch (file[at])
            {
                case 0x21 when at + 1 < file.Length:
                    // Graphic control extension: 0x21 0xF9 4 <flags> <delay:2> <index> 0; its flag bit 0 says transparency.
                    if (file[at + 1] == 0xF9 && at + 6 < file.Length && (file[at + 3] & 1) != 0) transparent = file[at + 6];
                    at = SkipSubBlocks(file, at + 2);
                    break;
                case 0x2C when at + 9 < file.Length && transparent is { } index:
                    var local = file[at + 9];
                    var table = (local & 0x80) != 0 ? (Start: at + 10, Entries: 2 << (local & 7)) : global;
                    if (index >= table.Entries || table.Start + index * 3 + 2 >= file.Length) return null;
                    var c = table.Start + index * 3;
                    return (file[c], file[c + 1], file[c + 2]);
                default:
                    return null;
            }
        }
        return null;
    }

    /// <summary>The position after the data sub-blocks starting at <paramref name="at"/> (each a length byte, 0 ends them).</summary>
    private static int SkipSubBlocks(ReadOnlySpan<byte> file, int at)
    {
        while (at < file.Length && file[at] != 0) at += file[at] + 1;
        return at + 1;
    }
}
