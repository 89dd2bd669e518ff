using Cam.Cli.Commands.InputBench;
using Cam.Datasets;
using Cam.Specs;

namespace Cam.Cli.Commands;

/// <summary>
/// <c>cam bench-inputs</c>: how fast a dataset's images are read, decoded and preprocessed as a worker does it, in
/// images per second and per CPU second (per core), with the time split into the three stages; with
/// <c>--compare-pil</c>, the same for PIL + torchvision's eval transform on the same files, in one JSON object.
/// </summary>
internal static class BenchInputsCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Required = true, Description = "image folder or manifest" };
        var model = new Option<string?>("--model")
        {
            Description = "model package folder whose preprocess is used (default: resize 256, crop 224, ImageNet mean/std)"
        };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1, Description = "images decoded at once (PIL: worker processes)" };
        var repeat = new Option<int>("--repeat") { DefaultValueFactory = _ => 1, Description = "passes over the files" };
        var limit = new Option<int?>("--limit") { Description = "at most this many of the dataset's images" };
        var fastDecode = new Option<bool>("--fast-decode")
        {
            Description = "decode JPEGs at a reduced DCT scale (\"fastDecode\": true; PIL: Image.draft)"
        };
        var wholeImages = new Option<bool>("--whole-images")
        {
            Description = "decode whole JPEGs (as PIL does), not only the part the crop reads",
        };
        var comparePil = new Option<bool>("--compare-pil") { Description = "also run PIL + torchvision's transform on the same files" };
        var python = new Option<string>("--python")
        {
            DefaultValueFactory = _ => "/usr/bin/python3",
            Description = "Python with PIL and torchvision, for --compare-pil"
        };
        var command = new Command("bench-inputs",
            "time decoding and preprocessing of a dataset as a worker does (and PIL's, with --compare-pil); prints JSON")
        {
            dataset, model, threads, repeat, limit, fastDecode, wholeImages, comparePil, python,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            if (parse.GetValue(threads) < 1 || parse.GetValue(repeat) < 1) throw new ArgumentException("--threads and --repeat must be at least 1");
            var preprocess = parse.GetValue(model) is { } package
                ? ModelManifestReader.Read(Path.GetFullPath(package)).Preprocess
                : PreprocessSpec.ImageNet;
            var spec = preprocess with { FastDecode = parse.GetValue(fastDecode) };
            spec.Validate();
            var files = await FilesAsync(parse.GetValue(dataset)!, parse.GetValue(limit), ct);
            if (files.Count == 0) throw new ArgumentException($"dataset '{parse.GetValue(dataset)}' has no images");
            var cam = CamInputBench.Run(files, spec, parse.GetValue(threads), parse.GetValue(repeat),
                parse.GetValue(wholeImages), ct);
            var result = new JsonObject
            {
                ["dataset"] = parse.GetValue(dataset),
                ["files"] = files.Count,
                ["megapixels_per_image"] = Math.Round(files.Average(f => { var (w, h) = ImageDecoder.ReadSize(f); return w * (double)h; }) / 1e6, 2),
                ["preprocess"] = JsonSerializer.SerializeToNode(spec, JsonSerializerOptions.Web),
                ["fast_decode"] = spec.UsesFastDecode,
                ["cores"] = Environment.ProcessorCount,
                ["cam"] = cam.ToJson(),
            };
            if (parse.GetValue(comparePil))
            {
                var pil = await PilInputBench.RunAsync(parse.GetValue(python)!, files, spec, parse.GetValue(threads), parse.GetValue(repeat),
                    spec.UsesFastDecode, ct);
                result["pil"] = pil.ToJson();
                result["cam_over_pil_per_core"] = Math.Round(cam.ImagesPerCpuSecond / pil.ImagesPerCpuSecond, 3);
            }
            Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }));
        return command;
    }

    /// <summary>The dataset's readable item files (full paths, confined to its root), in its order.</summary>
    private static async Task<List<string>> FilesAsync(string dataset, int? limit, CancellationToken ct)
    {
        var source = DatasetSources.Open(dataset);
        var root = new DataRoot(source.Root);
        var files = new List<string>();
        await foreach (var item in source.EnumerateAsync(ct))
        {
            if (item.Error is not null) continue;
            try
            {
                files.Add(root.Resolve(source.Root, item.Path));
            }
            catch (UnsafePathException)
            {
                continue;
            }
            if (files.Count == limit) break;
        }
        return files;
    }
}
