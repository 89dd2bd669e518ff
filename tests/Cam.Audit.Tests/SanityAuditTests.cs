namespace Cam.Audit.Tests;

[Collection(DemoJobCollection.Name)]
public class SanityAuditTests(DemoJobFixture demo)
{
    [Fact]
    public async Task The_report_s_sanity_check_re_explains_a_sample_of_the_job_with_its_methods_and_shows_each_verdict()
    {
        var html = Path.Combine(demo.DataRoot, "sanity.html");
        var audit = await AuditReport.WriteAsync(Cam.Storage.StorageSettings.SqliteFile(demo.Database), demo.Summary.JobId,
            new AuditOptions
            {
                DataRoot = demo.DataRoot, ModelRoot = demo.ModelRoot, GallerySize = 1, Sanity = new SanityOptions(Items: 6, Layers: 2)
            }, html);

        var sanity = audit.Sanity!;
        Assert.Equal(6, sanity.Items);
        Assert.Equal(["fc", "features.16"], sanity.Layers);
        Assert.Equal(["cam", "scorecam", "gradcam"], sanity.Methods.Select(m => m.Method));
        Assert.Equal(4 * 2, sanity.Steps.Count);
        Assert.All(sanity.Steps, s => Assert.Equal(6, s.Maps));
        Assert.All(sanity.Methods,
            m => Assert.Equal(m.FinalSpearman >= SanityCheck.MaxSpearman || m.FinalSpearman >= sanity.Floor!.FinalSpearman, m.Flagged));
        var page = await File.ReadAllTextAsync(html);
        Assert.Contains("data-sanity-floor=", page);
        Assert.All(sanity.Methods,
            m => Assert.Contains($"data-sanity-method=\"{m.Method}\" data-sanity-flagged=\"{(m.Flagged ? "true" : "false")}\"", page));
    }
}
