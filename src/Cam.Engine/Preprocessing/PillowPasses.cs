using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Cam.Datasets;

namespace Cam.Engine.Preprocessing;

/// <summary>
/// The two passes of PIL's <c>ImagingResample</c> on RGB bytes, vectorised (<see cref="Vector128"/>) with PIL's integer
/// arithmetic kept exactly: for each output, per channel, <c>clip8((2²¹ + Σₜ in[t]·k[t]) ≫ 22)</c> with the 22-bit
/// fixed-point weights of <see cref="PillowFilter"/>. The horizontal pass holds a pixel's three channels in one vector
/// (one multiply-add per tap instead of three); the vertical pass sixteen bytes of a row at once. Integer sums are
/// exact in any order, so the bytes are those of the scalar formula.
/// </summary>
internal static class PillowPasses
{
    /// <summary>
    /// Rows <c>firstRow…endRow</c> of an RGB image, resampled along x:
    /// <c>band[y − firstRow, o, c] = clip8((2²¹ + Σₜ rgb[y, First[o] + t, c]·W[o, t]) ≫ 22)</c>, where
    /// <paramref name="rgb"/> holds the raster's window <paramref name="stored"/> (which covers the rows and taps).
    /// </summary>
    public static byte[] Horizontal(byte[] rgb, PixelWindow stored, int firstRow, int endRow, PillowFilter filter)
    {
        // The reads below are unchecked: the window must hold every row and tap they touch.
        if (rgb.Length < stored.Width * stored.Height * 3
            || firstRow < stored.Top || endRow > stored.Top + stored.Height
            || filter.First[0] < stored.Left || filter.First[^1] + filter.Taps[^1] > stored.Left + stored.Width)
            throw new InvalidOperationException($"the decoded window {stored} does not hold rows {firstRow}…{endRow} " +
                $"and columns {filter.First[0]}…{filter.First[^1] + filter.Taps[^1]} that the resampling reads");
        var columns = filter.First.Length;
        var band = GC.AllocateUninitializedArray<byte>((endRow - firstRow) * columns * 3);
        for (var y = firstRow; y < endRow; y++)
            HorizontalRow(rgb, ((y - stored.Top) * stored.Width - stored.Left) * 3, band, (y - firstRow) * columns * 3,
                filter,
                // A pixel is read as 4 bytes: the last pixel of the last row has no 4th byte after it.
                lastRowOfImage: y - stored.Top == stored.Height - 1, stored.Left + stored.Width);
        return band;
    }

    /// <summary>
    /// One row: <paramref name="rowStart"/> is where column 0 of the row would be in <paramref name="rgb"/> (before the
    /// window's first column when the window starts right of 0); <paramref name="end"/> is the window's end column.
    /// </summary>
    private static void HorizontalRow(byte[] rgb, int rowStart, byte[] band, int targetStart, PillowFilter filter,
        bool lastRowOfImage, int end)
    {
        ref var source = ref MemoryMarshal.GetArrayDataReference(rgb);
        ref var target = ref MemoryMarshal.GetArrayDataReference(band);
        ref var weights = ref MemoryMarshal.GetArrayDataReference(filter.Weights);
        var half = Vector128.Create(PillowFilter.Half);
        var (zero, top) = (Vector128<int>.Zero, Vector128.Create(255));
        for (var o = 0; o < filter.First.Length; o++)
        {
            var (first, taps) = (filter.First[o], filter.Taps[o]);
            ref var k = ref Unsafe.Add(ref weights, o * filter.KernelSize);
            var at = rowStart + first * 3;
            var output = targetStart + o * 3;
            if (lastRowOfImage && first + taps == end)
            {
                ScalarPixel(ref source, at, ref k, taps, ref Unsafe.Add(ref target, output));
                continue;
            }
            var sum = half;
            for (var t = 0; t < taps; t++)
            {
                var word = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref source, at + t * 3));
                var pixel = Vector128.CreateScalarUnsafe(word);
                var channels = Vector128.WidenLower(Vector128.WidenLower(pixel.AsByte())).AsInt32();
                sum += channels * Vector128.Create(Unsafe.Add(ref k, t));
            }
            var bytes = Clip(sum, zero, top);
            Unsafe.Add(ref target, output) = (byte)bytes.GetElement(0);
            Unsafe.Add(ref target, output + 1) = (byte)bytes.GetElement(1);
            Unsafe.Add(ref target, output + 2) = (byte)bytes.GetElement(2);
        }
    }

    /// <summary>
    /// One output pixel of the horizontal pass, channel by channel (where a 4-byte read would leave the image).
    /// </summary>
    private static void ScalarPixel(ref byte source, int at, ref int k, int taps, ref byte target)
    {
        int r = PillowFilter.Half, g = PillowFilter.Half, b = PillowFilter.Half;
        for (var t = 0; t < taps; t++)
        {
            var w = Unsafe.Add(ref k, t);
            r += Unsafe.Add(ref source, at + t * 3) * w;
            g += Unsafe.Add(ref source, at + t * 3 + 1) * w;
            b += Unsafe.Add(ref source, at + t * 3 + 2) * w;
        }
        target = PillowFilter.Clip8(r);
        Unsafe.Add(ref target, 1) = PillowFilter.Clip8(g);
        Unsafe.Add(ref target, 2) = PillowFilter.Clip8(b);
    }

    /// <summary>
    /// The vertical pass over a band whose first row is source row <paramref name="firstRow"/>, rows of
    /// <paramref name="stride"/> bytes:
    /// <c>out[o, x] = clip8((2²¹ + Σₜ band[First[o] − firstRow + t, x]·W[o, t]) ≫ 22)</c>.
    /// </summary>
    public static byte[] Vertical(byte[] band, int stride, int firstRow, PillowFilter filter)
    {
        var rows = filter.First.Length;
        var output = GC.AllocateUninitializedArray<byte>(rows * stride);
        ref var source = ref MemoryMarshal.GetArrayDataReference(band);
        ref var target = ref MemoryMarshal.GetArrayDataReference(output);
        ref var weights = ref MemoryMarshal.GetArrayDataReference(filter.Weights);
        var half = Vector128.Create(PillowFilter.Half);
        var (zero, top) = (Vector128<int>.Zero, Vector128.Create(255));
        for (var o = 0; o < rows; o++)
        {
            var taps = filter.Taps[o];
            ref var k = ref Unsafe.Add(ref weights, o * filter.KernelSize);
            var start = (filter.First[o] - firstRow) * stride;
            var x = 0;
            for (; x + 16 <= stride; x += 16)
            {
                var (s0, s1, s2, s3) = (half, half, half, half);
                for (var t = 0; t < taps; t++)
                {
                    var w = Vector128.Create(Unsafe.Add(ref k, t));
                    var sixteen = Vector128.LoadUnsafe(ref source, (nuint)(start + t * stride + x));
                    var (low, high) = Vector128.Widen(sixteen);
                    var (a, b) = Vector128.Widen(low);
                    var (c, d) = Vector128.Widen(high);
                    s0 += a.AsInt32() * w;
                    s1 += b.AsInt32() * w;
                    s2 += c.AsInt32() * w;
                    s3 += d.AsInt32() * w;
                }
                var words = Vector128.Narrow(Clip(s0, zero, top).AsUInt32(), Clip(s1, zero, top).AsUInt32());
                var more = Vector128.Narrow(Clip(s2, zero, top).AsUInt32(), Clip(s3, zero, top).AsUInt32());
                Vector128.Narrow(words, more).StoreUnsafe(ref target, (nuint)(o * stride + x));
            }
            for (; x < stride; x++)
            {
                var sum = PillowFilter.Half;
                for (var t = 0; t < taps; t++)
                    sum += Unsafe.Add(ref source, start + t * stride + x) * Unsafe.Add(ref k, t);
                Unsafe.Add(ref target, o * stride + x) = PillowFilter.Clip8(sum);
            }
        }
        return output;
    }

    /// <summary><c>clamp(sum ≫ 22, 0, 255)</c> per lane.</summary>
    private static Vector128<int> Clip(Vector128<int> sum, Vector128<int> zero, Vector128<int> top) =>
        Vector128.Min(Vector128.Max(Vector128.ShiftRightArithmetic(sum, PillowFilter.PrecisionBits), zero), top);
}
