using Cam.Cli.Commands.PipelineBench;
using Cam.DashboardSnapshot;
using SkiaSharp;

// dotnet run --project build/dashboard -- SCRAPES_FOLDER OUT.png [WINDOW_SECONDS]
if (args.Length < 2) throw new ArgumentException("usage: SCRAPES_FOLDER OUT.png [WINDOW_SECONDS]");
var scrapes = Scrape.Load(args[0]);
var window = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10;
var panels = Panels.From(scrapes, window);
File.WriteAllBytes(args[1], DashboardImage.Render(panels, scrapes.Max(s => s.Seconds)));
Console.WriteLine($"{args[1]}: {panels.Count} panels from {scrapes.Count} scrapes over {scrapes.Max(s => s.Seconds):F0} s");

/// <summary>The panels in a grid of two columns, each a line chart with its legend, as Grafana lays out the dashboard.</summary>
internal static class DashboardImage
{
    private static readonly SKColor[] Colors =
        [new(0x73, 0xBF, 0x69), new(0xF2, 0xCC, 0x0C), new(0x56, 0x96, 0xE3), new(0xFF, 0x78, 0x0A), new(0xB8, 0x77, 0xD9), new(0xF2, 0x49, 0x5C)];

    public static byte[] Render(IReadOnlyList<Panel> panels, double seconds, int panelWidth = 600, int panelHeight = 260)
    {
        const int gap = 10;
        var rows = (panels.Count + 1) / 2;
        var (width, height) = (2 * panelWidth + 3 * gap, rows * panelHeight + (rows + 1) * gap + 30);
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        var canvas = surface.Canvas;
        canvas.Clear(new SKColor(0x11, 0x12, 0x17));
        using var title = new SKPaint { Color = SKColors.White, TextSize = 16, IsAntialias = true, FakeBoldText = true };
        canvas.DrawText("Cam — panels of deploy/k8s/components/monitoring/cam-dashboard.json, from the scrapes of a run", gap, 22, title);
        for (var i = 0; i < panels.Count; i++)
            DrawPanel(canvas, panels[i], new SKRect(gap + i % 2 * (panelWidth + gap), 30 + gap + i / 2 * (panelHeight + gap),
                gap + i % 2 * (panelWidth + gap) + panelWidth, 30 + gap + i / 2 * (panelHeight + gap) + panelHeight), seconds);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static void DrawPanel(SKCanvas canvas, Panel panel, SKRect box, double seconds)
    {
        using var background = new SKPaint { Color = new SKColor(0x18, 0x1B, 0x1F) };
        canvas.DrawRect(box, background);
        using var heading = new SKPaint { Color = new SKColor(0xCC, 0xCC, 0xDC), TextSize = 14, IsAntialias = true, FakeBoldText = true };
        canvas.DrawText(panel.Title, box.Left + 10, box.Top + 20, heading);
        var plot = new SKRect(box.Left + 60, box.Top + 34, box.Right - 150, box.Bottom - 28);
        var values = panel.Lines.Values.SelectMany(l => l).Select(p => p.Y).Where(double.IsFinite).ToList();
        var yMax = AxisScale.NiceCeiling(values.Count > 0 ? values.Max() : 1);
        using var grid = new SKPaint { Color = new SKColor(0x2C, 0x30, 0x35), StrokeWidth = 1 };
        using var text = new SKPaint { Color = new SKColor(0x9F, 0xA7, 0xB3), TextSize = 11, IsAntialias = true };
        float X(double s) => plot.Left + (float)(s / Math.Max(seconds, 1)) * plot.Width;
        float Y(double v) => plot.Bottom - (float)(v / yMax) * plot.Height;
        for (var i = 0; i <= 4; i++)
        {
            var v = yMax * i / 4;
            canvas.DrawLine(plot.Left, Y(v), plot.Right, Y(v), grid);
            var label = v >= 100 ? v.ToString("N0") : v.ToString("0.##");
            canvas.DrawText(label, plot.Left - 6 - text.MeasureText(label), Y(v) + 4, text);
        }
        for (var i = 0; i <= 4; i++)
        {
            var s = seconds * i / 4;
            var label = $"{s:0} s";
            canvas.DrawText(label, X(s) - text.MeasureText(label) / 2, plot.Bottom + 16, text);
        }
        var n = 0;
        foreach (var (legend, points) in panel.Lines)
        {
            using var line = new SKPaint { Color = Colors[n % Colors.Length], StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var path = new SKPath();
            for (var i = 0; i < points.Count; i++)
            {
                var p = new SKPoint(X(points[i].X), Y(Math.Min(points[i].Y, yMax)));
                if (i == 0) path.MoveTo(p);
                else path.LineTo(p);
            }
            canvas.DrawPath(path, line);
            using var key = new SKPaint { Color = line.Color, TextSize = 11, IsAntialias = true };
            canvas.DrawLine(plot.Right + 12, plot.Top + 6 + n * 16, plot.Right + 26, plot.Top + 6 + n * 16, line);
            canvas.DrawText(legend, plot.Right + 30, plot.Top + 10 + n * 16, key);
            n++;
        }
    }
}
