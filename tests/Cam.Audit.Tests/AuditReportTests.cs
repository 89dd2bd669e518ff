using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Cam.Datasets;
using Cam.Engine.Packages;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;

namespace Cam.Audit.Tests;

[Collection(DemoJobCollection.Name)]
public class AuditReportTests(DemoJobFixture demo)
{
    [Fact]
    public void The_audit_of_the_demo_covers_every_method_every_class_and_three_galleries()
    {
        Assert.Equal("completed", demo.Summary.State);
        Assert.Equal(["cam", "scorecam", "gradcam"], demo.Audit.Methods.Select(m => m.Method));
        Assert.All(demo.Audit.Methods, m => Assert.Equal(12, m.Maps));
        Assert.All(demo.Audit.Methods, m => Assert.NotNull(m.AverageDrop));
        Assert.Equal(1.0, demo.Audit.Accuracy);
        Assert.Equal(12, demo.Audit.LabelledItems);
        Assert.Equal(["Best", "Worst", "Most suspicious"], demo.Audit.Galleries.Select(g => g.Title));
        Assert.All(demo.Audit.Galleries.Take(2), g => Assert.All(g.Items, i => Assert.NotNull(i.Png)));
        Assert.Equal(12, demo.Audit.Classes.Where(c => c.Method == "cam").Sum(c => c.Maps));
    }

    [Fact]
    public async Task The_report_renders_in_headless_Chromium_with_every_image_loaded_and_no_script_error()
    {
        var html = await File.ReadAllTextAsync(demo.Report);
        var images = Regex.Matches(html, "<img ").Count;
        Assert.True(images >= 15 + 8, $"only {images} images in the report"); // 3 methods × 5 mean maps, galleries

        var dom = await RenderedDomAsync();
        var body = Regex.Match(dom, "<body([^>]*)>").Groups[1].Value;
        Assert.Contains("data-ready=\"true\"", body);
        Assert.Contains($"data-images-loaded=\"{images}\"", body);
        Assert.Contains("data-images-broken=\"0\"", body);
        Assert.Contains("data-script-errors=\"0\"", body);
    }

    [Fact]
    public async Task No_text_the_browser_shows_contains_markup()
    {
        var dom = await RenderedDomAsync();
        var body = Regex.Match(dom, "<body[^>]*>(.*)</body>", RegexOptions.Singleline).Groups[1].Value;
        var shown = Regex.Replace(body, "<(script|style)[^>]*>.*?</\\1>", " ", RegexOptions.Singleline);
        var text = WebUtility.HtmlDecode(Regex.Replace(shown, "<[^>]*>", " "));
        Assert.Contains("labelled items", text);
        Assert.DoesNotMatch(new Regex(@"</?[a-zA-Z][a-zA-Z0-9]*[\s>/=]"), text);
    }

    /// <summary>The report as headless Chromium has it after its scripts ran (the DOM, serialised).</summary>
    private async Task<string> RenderedDomAsync()
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("no Chromium found (apt-get install chromium): the report's browser test needs it");
        var info = new ProcessStartInfo(chromium)
        {
            ArgumentList = { "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom",
                new Uri(demo.Report).AbsoluteUri },
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var browser = Process.Start(info)!;
        var dom = await browser.StandardOutput.ReadToEndAsync();
        await browser.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return dom;
    }

    [Fact]
    public async Task Stored_metrics_match_an_independent_computation_from_the_image_and_the_map()
    {
        using var package = ModelPackage.Load(Path.Combine(demo.ModelRoot, "shapes-model"));
        await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(demo.Database)).BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var rows = await db.Results.Where(r => r.JobId == demo.Summary.JobId && r.ItemNumber < 4).OrderBy(r => r.Id).ToListAsync();
        var manifest = File.ReadAllLines(Path.Combine(demo.DataRoot, "manifest.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(4 * 3, rows.Count); // 4 items × cam, scorecam, gradcam
        foreach (var row in rows)
        {
            var cells = manifest[(int)row.ItemNumber];
            var image = ImageDecoder.Decode(Path.Combine(demo.DataRoot, cells[0]));
            var (h, w) = (image.Height, image.Width);
            // The demo package normalises with mean 0.5 and std 0.5 and neither resizes nor crops.
            var pixels = new float[3 * h * w];
            for (var c = 0; c < 3; c++)
                for (var i = 0; i < h * w; i++)
                    pixels[c * h * w + i] = (image.Rgb[i * 3 + c] / 255f - 0.5f) / 0.5f;
            var map = row.MapValues();
            var mask = OverlayRenderer.Upsample(map, row.MapHeight, row.MapWidth, h, w);
            using var input = torch.tensor(pixels, [1, 3, h, w]);
            using var masked = input * torch.tensor(mask, [1, 1, h, w]);
            using var logits = package.Classifier.Logits(torch.cat([input, masked], 0));
            using var probabilities = torch.softmax(logits, 1);
            var p = probabilities[0, row.ClassIndex].item<float>();
            var pMasked = probabilities[1, row.ClassIndex].item<float>();
            Assert.Equal(Math.Max(0, p - pMasked) / (p + 1e-7), row.AverageDrop!.Value, 3);
            Assert.Equal(p < pMasked, row.IncreaseInConfidence);
            Assert.Equal(logits[0].argmax().item<long>(), row.PredictedClass);

            // Pointing game and energy in the box, from the same upsampled map.
            var box = cells[2..6].Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            bool Inside(int y, int x) => x + 0.5f >= box[0] && x + 0.5f < box[2] && y + 0.5f >= box[1] && y + 0.5f < box[3];
            var peak = Array.IndexOf(mask, mask.Max());
            Assert.Equal(Inside(peak / w, peak % w), row.PointingHit);
            double total = 0, inside = 0;
            for (var i = 0; i < mask.Length; i++)
            {
                if (mask[i] <= 0) continue;
                total += mask[i];
                if (Inside(i / w, i % w)) inside += mask[i];
            }
            Assert.Equal(inside / total, row.EnergyInBox!.Value, 3);
        }
    }
}
