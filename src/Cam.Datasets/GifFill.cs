namespace Cam.Datasets;

/// <summary>
/// The colour PIL's <c>convert("RGB")</c> gives a GIF's first frame wherever Skia decodes transparent black: the pixels
/// of the frame's transparent index, and the canvas outside a first frame smaller than the canvas. Pillow 9.4 fills
/// the canvas with the transparent index when the frame has one, else with index 0, and pastes the frame's indices at
/// its offset; <c>convert("RGB")</c> then shows the fill index's palette colour (a greyscale GIF without colour table:
/// the index as grey). Skia leaves both kinds of pixel transparent black, so the decoder puts that colour back.
/// </summary>
internal static class GifFill
{
    /// <summary>
    /// The (r, g, b) of the first frame's fill index (its graphic control extension's transparent index, else 0) in
    /// the colour table that applies (the frame's local table, else the global one); null when the file is cut short
    /// or malformed before the first frame.
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
                case 0x2C when at + 9 < file.Length:
                    var local = file[at + 9];
                    var table = (local & 0x80) != 0 ? (Start: at + 10, Entries: 2 << (local & 7)) : global;
                    var index = transparent ?? 0;
                    if (table.Entries == 0) return ((byte)index, (byte)index, (byte)index);
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
