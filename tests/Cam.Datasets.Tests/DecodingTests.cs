using System.Text.Json;

namespace Cam.Datasets.Tests;

/// <summary>
/// Each pixel format decodes to the RGB bytes PIL's <c>Image.open(f).convert("RGB")</c> gives (torchvision's
/// ImageFolder loader), as written by <c>Fixtures/decoding/make_decoding.py</c> with Debian's PIL 9.4.
/// </summary>
public class DecodingTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "decoding");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var name in Expected().Keys) data.Add(name);
        return data;
    }

    private static Dictionary<string, (int Height, int Width, string Mode, byte[] Rgb)> Expected()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json")));
        return json.RootElement.GetProperty("images").EnumerateObject().ToDictionary(p => p.Name, p =>
        {
            var size = p.Value.GetProperty("size");
            return (size[0].GetInt32(), size[1].GetInt32(), p.Value.GetProperty("mode").GetString()!,
                Convert.FromHexString(p.Value.GetProperty("rgb").GetString()!));
        });
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_pixel_format_decodes_to_the_bytes_of_PILs_convert_RGB(string name)
    {
        var (height, width, mode, rgb) = Expected()[name];
        var image = ImageDecoder.Decode(Path.Combine(Folder, name));
        Assert.Equal((width, height), (image.Width, image.Height));
        var differing = Enumerable.Range(0, rgb.Length).Where(i => image.Rgb[i] != rgb[i]).ToList();
        Assert.True(differing.Count == 0,
            $"{name} (PIL mode {mode}): {differing.Count} of {rgb.Length} bytes differ from PIL's, first at {differing.FirstOrDefault()}: " +
            $"{(differing.Count > 0 ? image.Rgb[differing[0]] : 0)} vs {(differing.Count > 0 ? rgb[differing[0]] : 0)}");
    }
}
