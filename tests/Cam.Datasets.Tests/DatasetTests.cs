using SkiaSharp;

namespace Cam.Datasets.Tests;

public class DatasetTests
{
    [Fact]
    public async Task Image_folder_labels_by_folder_in_a_stable_order()
    {
        using var root = new TempFolder();
        root.Image("dog/b.png", 4, 4, SKColors.Red);
        root.Image("cat/z.jpg", 4, 4, SKColors.Red, SKEncodedImageFormat.Jpeg);
        root.Image("cat/a.png", 4, 4, SKColors.Red);
        root.File("cat/notes.txt", "not an image");
        var source = DatasetSources.Open(root.Path);
        var items = await source.EnumerateAsync().ToListAsync();
        Assert.Equal(["cat", "dog"], source.ClassNames);
        Assert.Equal(["cat/a.png", "cat/z.jpg", "dog/b.png"], items.Select(i => i.Id));
        Assert.Equal(["cat", "cat", "dog"], items.Select(i => i.Label));
        Assert.Equal([0L, 1, 2], items.Select(i => i.Number));
    }

    [Fact]
    public async Task Csv_manifest_reads_labels_and_boxes_and_keeps_going_past_a_bad_row()
    {
        using var root = new TempFolder();
        var manifest = root.File("m.csv",
            "path,label,x0,y0,x1,y1\nimg/a.png,circle,1,2,10,12\n\"img/b, c.png\",square,,,,\nimg/c.png,star,5,5,1,1\nimg/d.png,cross,0,0,4,4\n");
        var items = await DatasetSources.Open(manifest).EnumerateAsync().ToListAsync();
        Assert.Equal(4, items.Count);
        Assert.Equal(new Box(1, 2, 10, 12), items[0].Boxes.Single());
        Assert.Equal("img/b, c.png", items[1].Path);
        Assert.Empty(items[1].Boxes);
        Assert.Contains("line 4", items[2].Error);
        Assert.Null(items[3].Error);
        Assert.Equal([0L, 1, 2, 3], items.Select(i => i.Number));
    }

    [Fact]
    public async Task JsonLines_manifest_reads_boxes_and_meta()
    {
        using var root = new TempFolder();
        var manifest = root.File("m.jsonl", "{\"path\":\"a.png\",\"label\":\"x\",\"boxes\":[[0,0,2,2],[1,1,3,3]],\"meta\":{\"k\":1}}\nnot json\n");
        var items = await DatasetSources.Open(manifest).EnumerateAsync().ToListAsync();
        Assert.Equal(2, items[0].Boxes.Count);
        Assert.Equal("{\"k\":1}", items[0].Meta);
        Assert.NotNull(items[1].Error);
    }

    [Fact]
    public void Hostile_paths_are_refused_one_by_one()
    {
        using var root = new TempFolder();
        using var outside = new TempFolder();
        root.Image("data/ok.png", 2, 2, SKColors.Blue);
        outside.Image("secret.png", 2, 2, SKColors.Blue);
        Directory.CreateSymbolicLink(Path.Combine(root.Path, "data", "link"), outside.Path);
        var dataRoot = new DataRoot(root.Path);
        Assert.Equal(Path.Combine(root.Path, "data", "ok.png"), dataRoot.Resolve("data", "ok.png"));
        Assert.Throws<UnsafePathException>(() => dataRoot.Resolve("data", "../../etc/passwd"));
        Assert.Throws<UnsafePathException>(() => dataRoot.Resolve("data", "/etc/passwd"));
        var link = Assert.Throws<UnsafePathException>(() => dataRoot.Resolve("data", "link/secret.png"));
        Assert.Contains("symbolic link", link.Message);
    }

    [Fact]
    public void Corrupt_truncated_empty_missing_and_oversized_files_give_their_reason()
    {
        using var root = new TempFolder();
        var good = root.Image("good.png", 8, 8, SKColors.Green);
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(root.File("truncated.png"), bytes[..(bytes.Length / 2)]);
        File.WriteAllBytes(root.File("garbage.png"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        File.WriteAllBytes(root.File("empty.png"), []);
        ImageErrorReason Reason(string file, ImageLimits? limits = null) =>
            Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(Path.Combine(root.Path, file), limits)).Reason;
        Assert.Equal(ImageErrorReason.Corrupt, Reason("truncated.png"));
        Assert.Equal(ImageErrorReason.Unsupported, Reason("garbage.png"));
        Assert.Equal(ImageErrorReason.Corrupt, Reason("empty.png"));
        Assert.Equal(ImageErrorReason.Missing, Reason("missing.png"));
        Assert.Equal(ImageErrorReason.TooLarge, Reason("good.png", new ImageLimits(MaxFileBytes: 10)));
        Assert.Equal(ImageErrorReason.TooManyPixels, Reason("good.png", new ImageLimits(MaxPixels: 63)));
        Assert.Equal(8, ImageDecoder.Decode(good).Width);
    }

    [Fact]
    public void Exif_orientation_six_rotates_clockwise()
    {
        // 2×1 stored image: left pixel red, right pixel blue. Orientation 6 displays it rotated 90° clockwise: 1×2,
        // red on top.
        var stored = new DecodedImage(2, 1, [255, 0, 0, 0, 0, 255]);
        var shown = ImageDecoder.Orient(stored, SKEncodedOrigin.RightTop);
        Assert.Equal((1, 2), (shown.Width, shown.Height));
        Assert.Equal(new byte[] { 255, 0, 0, 0, 0, 255 }, shown.Rgb);
        var eight = ImageDecoder.Orient(stored, SKEncodedOrigin.LeftBottom);
        Assert.Equal(new byte[] { 0, 0, 255, 255, 0, 0 }, eight.Rgb);
    }

    [Fact]
    public void Alpha_is_dropped_not_blended_as_PILs_convert_RGB_drops_it()
    {
        using var root = new TempFolder();
        var path = root.Image("alpha.png", 2, 2, new SKColor(200, 100, 50, 128));
        var image = ImageDecoder.Decode(path);
        Assert.Equal(2 * 2 * 3, image.Rgb.Length);
        // The colour as stored (±1: the encoder saw it premultiplied), not blended over black (100, 50, 25).
        Assert.InRange(image.Rgb[0], 199, 201);
        Assert.InRange(image.Rgb[1], 99, 101);
        Assert.InRange(image.Rgb[2], 49, 51);
    }

    [Fact]
    public void Preprocessing_geometry_resizes_the_shorter_side_and_carries_boxes_through_resize_and_crop()
    {
        var spec = new PreprocessSpec { ResizeShorter = 10, CenterCrop = [8, 8] };
        Assert.Equal((10, 20), PreprocessGeometry.ResizedSize(20, 40, 10));
        Assert.Equal((1, 6), PreprocessGeometry.CropOffset(10, 20, 8, 8));
        // Box (20,4)-(30,16) in a 40×20 image: ×0.5 → (10,2)-(15,8); crop offset (1, 6) → (4,1)-(8,7) clipped to 8×8.
        Assert.Equal(new Box(4, 1, 8, 7), spec.TransformBox(new Box(20, 4, 30, 16), 40, 20));
    }
}
