using SkiaSharp;

namespace Cam.Cli.Commands.PipelineBench;

/// <summary>One line of the plot: a run's items/s over each hundredth of its job.</summary>
public sealed record PlotSeries(string Label, IReadOnlyList<double> RatePerHundredth);

/// <summary>Items/s over the job (x: share of the job done, y: items/s over that hundredth), one line per run, as PNG (SkiaSharp).</summary>
public static class ThroughputPlot
{
    private static readonly SKColor[] Colors = [new(0xD6, 0x27, 0x28), new(0x1F, 0x77, 0xB4), new(0x2C, 0xA0, 0x2C), new(0x94, 0x67, 0xBD)];

    public static byte[] Render(string title, IReadOnlyList<PlotSeries> series, int width = 900, int height = 500)
    {
        const float left = 80, right = 20, top = 50, bottom = 60;
        var finite = series.SelectMany(s => s.RatePerHundredth).Where(double.IsFinite).ToList();
        var yMax = AxisScale.NiceCeiling(finite.Count > 0 ? finite.Max() : 1);
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(0xDD, 0xDD, 0xDD), StrokeWidth = 1 };
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 13, IsAntialias = true };
        var (plotW, plotH) = (width - left - right, height - top - bottom);
        float X(double share) => left + (float)share * plotW;
        float Y(double rate) => top + plotH - (float)(Math.Min(rate, yMax) / yMax) * plotH;

        for (var i = 0; i <= 5; i++)
        {
            var rate = yMax * i / 5;
            canvas.DrawLine(left, Y(rate), left + plotW, Y(rate), grid);
            var label = rate.ToString("N0");
            canvas.DrawText(label, left - 8 - text.MeasureText(label), Y(rate) + 4, text);
        }
        for (var i = 0; i <= 10; i++)
        {
            canvas.DrawLine(X(i / 10.0), top + plotH, X(i / 10.0), top + plotH + 5, axis);
            var label = $"{i * 10}%";
            canvas.DrawText(label, X(i / 10.0) - text.MeasureText(label) / 2, top + plotH + 20, text);
        }
        canvas.DrawLine(left, top, left, top + plotH, axis);
        canvas.DrawLine(left, top + plotH, left + plotW, top + plotH, axis);
        canvas.DrawText("share of the job's items finished", left + plotW / 2 - 100, height - 15, text);
        canvas.Save();
        canvas.RotateDegrees(-90);
        canvas.DrawText("items/s (over each 1%)", -(top + plotH / 2 + 70), 20, text);
        canvas.Restore();
        using var heading = new SKPaint { Color = SKColors.Black, TextSize = 16, IsAntialias = true, FakeBoldText = true };
        canvas.DrawText(title, left, 25, heading);

        for (var s = 0; s < series.Count; s++)
        {
            using var line = new SKPaint { Color = Colors[s % Colors.Length], StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var path = new SKPath();
            var rates = series[s].RatePerHundredth;
            for (var i = 0; i < rates.Count; i++)
            {
                var point = new SKPoint(X((i + 0.5) / 100), Y(double.IsFinite(rates[i]) ? rates[i] : yMax));
                if (i == 0) path.MoveTo(point);
                else path.LineTo(point);
            }
            canvas.DrawPath(path, line);
            using var legend = new SKPaint { Color = line.Color, TextSize = 13, IsAntialias = true };
            canvas.DrawLine(left + plotW - 300, top + 12 + s * 18, left + plotW - 275, top + 12 + s * 18, line);
            canvas.DrawText(series[s].Label, left + plotW - 268, top + 16 + s * 18, legend);
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
