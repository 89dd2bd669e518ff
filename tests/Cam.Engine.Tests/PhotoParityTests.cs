using System.Text.Json;
using Cam.Datasets;
using Cam.Engine.Models;
using Cam.Engine.Preprocessing;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>
/// Real photos (Fixtures/photos: two Flickr photos shipped with scikit-learn, Grace Hopper's portrait shipped with
/// matplotlib; their original size, half size as JPEG and PNG, 4× larger) against torchvision's eval transform on PIL
/// images, as Fixtures/photos/make_photos.py computed it with Debian's torch 1.13 / torchvision 0.14 / PIL 9.4.
/// </summary>
public class PhotoParityTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "photos");

    private static readonly Lazy<JsonElement[]> Cases = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "reference.json"))).RootElement.GetProperty("cases")
            .EnumerateArray().ToArray());

    /// <summary>One model for all cases (loading it costs more than a forward).</summary>
    private static readonly Lazy<ModuleClassifier> Model = new(Fixtures.ResNet18);

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Cases.Value.Length; i++) data.Add(i);
        return data;
    }

    /// <summary>The photo a case names; <c>name@x4</c>: the decoded photo with every pixel repeated 4×4.</summary>
    internal static DecodedImage Photo(string file)
    {
        if (!file.EndsWith("@x4")) return ImageDecoder.Decode(Path.Combine(Dir, file));
        var photo = ImageDecoder.Decode(Path.Combine(Dir, file[..^3]));
        var (w, h) = (photo.Width * 4, photo.Height * 4);
        var rgb = new byte[w * h * 3];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                Array.Copy(photo.Rgb, ((y / 4) * photo.Width + x / 4) * 3, rgb, (y * w + x) * 3, 3);
        return new DecodedImage(w, h, rgb);
    }

    internal static PreprocessSpec Spec(JsonElement json) =>
        JsonSerializer.Deserialize<PreprocessSpec>(json.GetRawText(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Resize_and_crop_give_the_bytes_torchvision_gives_a_pil_image(int index)
    {
        var reference = Cases.Value[index];
        var file = reference.GetProperty("file").GetString()!;
        var spec = Spec(reference.GetProperty("preprocess"));
        var image = Photo(file);
        Assert.Equal([image.Height, image.Width], reference.GetProperty("size").EnumerateArray().Select(e => e.GetInt32()));
        var bytes = new Preprocessor(spec).Bytes(image);
        var sums = Enumerable.Range(0, 3).Select(c => bytes.Where((_, i) => i % 3 == c).Sum(b => (long)b)).ToArray();
        var (h, w) = spec.Crop!.Value;
        var stride = reference.GetProperty("sampleStride").GetInt32();
        var sample = new List<int>();
        for (var y = 0; y < h; y += stride)
            for (var x = 0; x < w; x += stride)
                for (var c = 0; c < 3; c++) sample.Add(bytes[(y * w + x) * 3 + c]);
        var expected = reference.GetProperty("sample").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var expectedSums = reference.GetProperty("sums").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var maxDiff = expected.Zip(sample, (a, b) => Math.Abs(a - b)).Max();
        var meanSumDiff = sums.Zip(expectedSums, (a, b) => Math.Abs(a - b) / (double)(h * w)).Max();
        log.WriteLine($"{file} {reference.GetProperty("preprocess")}: sample max |Δ| {maxDiff}, mean |Δ| per channel {meanSumDiff:F4}");
        Assert.Equal(expected.Length, sample.Count);
        // SkiaSharp's libjpeg-turbo decodes as PIL's does, and the resampling is PIL's: the bytes are the same.
        Assert.True(maxDiff == 0, $"{file}: a sampled byte differs by {maxDiff} from torchvision's");
        Assert.Equal(expectedSums, sums);
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Logits_of_a_photo_are_within_one_percent_of_pytorch_on_torchvisions_transform_with_the_same_top_3(int index)
    {
        var reference = Cases.Value[index];
        var file = reference.GetProperty("file").GetString()!;
        var spec = Spec(reference.GetProperty("preprocess"));
        var expected = reference.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        using var scope = torch.NewDisposeScope();
        var logits = Model.Value.Logits(new Preprocessor(spec).Batch([Photo(file)]))[0].data<float>().ToArray();
        var largest = expected.Max(MathF.Abs);
        var worst = expected.Zip(logits, (a, b) => MathF.Abs(a - b)).Max();
        log.WriteLine($"{file} {reference.GetProperty("preprocess")}: max |Δ logit| {worst / largest:E2} of the largest");
        Assert.True(worst <= 0.01f * largest, $"{file}: logits differ by {worst} (largest {largest})");
        Assert.Equal(Top3(expected), Top3(logits));
    }

    private static int[] Top3(float[] logits) =>
        logits.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(3).Select(p => p.i).ToArray();
}
