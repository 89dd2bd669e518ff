using Cam.Datasets;

namespace Cam.Engine.Preprocessing;

/// <summary>
/// PIL's <c>Image.resize</c> of an RGB image, byte for byte, for a window of the output only (each output pixel
/// depends on its own coefficients alone, so the window equals the same window of the whole resized image).
/// Bilinear and bicubic: the horizontal pass, rounded to bytes, then the vertical pass over the rows it produced
/// (<see cref="PillowFilter"/>, vectorised in <see cref="PillowPasses"/>, on the calling thread); an axis whose size
/// does not change is not resampled. Nearest: PIL's affine scale, <c>in = ⌊x⌋</c> for <c>x = (o + 0.5)·in/out</c>
/// accumulated in doubles as PIL steps it.
/// </summary>
internal static class PillowResize
{
    /// <summary>
    /// Rows <c>rows.Start…</c> and columns <c>columns.Start…</c> of <paramref name="image"/> resized to
    /// (<paramref name="height"/>, <paramref name="width"/>), (rows, columns, 3) bytes.
    /// </summary>
    public static byte[] Window(DecodedImage image, int height, int width, (int Start, int Count) rows,
        (int Start, int Count) columns, string interpolation)
    {
        if (interpolation == "nearest")
            return Gather(image, NearestIndices(image.Height, height, rows), NearestIndices(image.Width, width, columns));
        var horizontal = width != image.Width;
        var vertical = height != image.Height;
        if (!horizontal && !vertical)
            return Gather(image, Range(rows.Start, rows.Count), Range(columns.Start, columns.Count));
        var rowFilter = vertical ? PillowFilter.For(interpolation, image.Height, height, rows.Start, rows.Count) : null;
        // The source rows the vertical pass reads.
        var (firstRow, endRow) = rowFilter is null
            ? (rows.Start, rows.Start + rows.Count)
            : (rowFilter.First[0], rowFilter.First[^1] + rowFilter.Taps[^1]);
        byte[] band; // (endRow − firstRow, columns, 3)
        if (horizontal)
        {
            var columnFilter = PillowFilter.For(interpolation, image.Width, width, columns.Start, columns.Count);
            band = PillowPasses.Horizontal(image.Rgb, image.Stored, firstRow, endRow, columnFilter);
        }
        else
        {
            band = Gather(image, Range(firstRow, endRow - firstRow), Range(columns.Start, columns.Count));
        }
        return rowFilter is null ? band : PillowPasses.Vertical(band, columns.Count * 3, firstRow, rowFilter);
    }

    /// <summary>
    /// The source positions <c>[first, end)</c> that outputs <c>window</c> of an axis resized from
    /// <paramref name="inSize"/> to <paramref name="outSize"/> read in <see cref="Window"/>: the filter's taps, the
    /// nearest indices, or the window itself when the axis keeps its size.
    /// </summary>
    public static (int First, int End) SourceSpan(int inSize, int outSize, (int Start, int Count) window,
        string interpolation)
    {
        if (interpolation == "nearest")
        {
            var indices = NearestIndices(inSize, outSize, window);
            return (indices[0], indices[^1] + 1);
        }
        if (inSize == outSize) return (window.Start, window.Start + window.Count);
        var filter = PillowFilter.For(interpolation, inSize, outSize, window.Start, window.Count);
        return (filter.First[0], filter.First[^1] + filter.Taps[^1]);
    }

    /// <summary>PIL's ImagingScaleAffine: <c>x₀ = 0.5·in/out</c>, <c>x += in/out</c>, index <c>(int)x</c>.</summary>
    private static int[] NearestIndices(int inSize, int outSize, (int Start, int Count) window)
    {
        var step = (double)inSize / outSize;
        var position = step * 0.5;
        var indices = new int[window.Count];
        for (var o = 0; o < window.Start + window.Count; o++)
        {
            if (o >= window.Start) indices[o - window.Start] = Math.Min((int)position, inSize - 1);
            position += step;
        }
        return indices;
    }

    private static int[] Range(int start, int count) => Enumerable.Range(start, count).ToArray();

    /// <summary>The pixels at the given rows and columns, (rows, columns, 3) bytes.</summary>
    internal static byte[] Gather(DecodedImage image, int[] rows, int[] columns)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(rows.Length * columns.Length * 3);
        var stored = image.Stored;
        var stride = stored.Width * 3;
        for (var r = 0; r < rows.Length; r++)
        {
            var source = (rows[r] - stored.Top) * stride;
            var target = r * columns.Length * 3;
            for (var c = 0; c < columns.Length; c++)
            {
                var s = source + (columns[c] - stored.Left) * 3;
                bytes[target++] = image.Rgb[s];
                bytes[target++] = image.Rgb[s + 1];
                bytes[target++] = image.Rgb[s + 2];
            }
        }
        return bytes;
    }
}
