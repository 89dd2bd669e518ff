using Cam.Demo;

namespace Cam.Cli.Commands;

/// <summary><c>cam demo-data</c>: draws the synthetic shapes dataset with its manifest and boxes.</summary>
internal static class DemoDataCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Required = true, Description = "folder to write images/ and manifest.csv into" };
        var count = new Option<int>("--count") { DefaultValueFactory = _ => 300 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 128, Description = "image width and height" };
        var spurious = new Option<string?>("--spurious") { Description = "a class whose images mostly carry a corner mark (a planted shortcut)" };
        var cameras = new Option<string?>("--cameras")
        {
            Description = "comma-separated camera names: each image gets meta {\"camera\": …} (a key to slice audits by)"
        };
        var markedCamera = new Option<string?>("--marked-camera")
        {
            Description = "with --spurious and --cameras: only this camera's images carry the mark"
        };
        var command = new Command("demo-data", "draw the synthetic shapes dataset (one shape per image, with its box)") { output, count, seed, size,
            spurious, cameras, markedCamera };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var n = parse.GetValue(count);
            if (n < 1) throw new ArgumentException("--count must be at least 1");
            var mark = parse.GetValue(spurious);
            if (mark is not null && !ShapesGenerator.Classes.Contains(mark))
                throw new ArgumentException($"--spurious must be one of {string.Join(", ", ShapesGenerator.Classes)}");
            var names = parse.GetValue(cameras)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var marked = parse.GetValue(markedCamera);
            if (names is { Length: 0 } || names?.Any(c => !c.All(char.IsAsciiLetterOrDigit)) == true)
                throw new ArgumentException("--cameras takes names of letters and digits, comma-separated");
            if (marked is not null && (mark is null || names?.Contains(marked) != true))
                throw new ArgumentException("--marked-camera needs --spurious and must be one of --cameras");
            new ShapesGenerator(parse.GetValue(size), parse.GetValue(seed), mark, names, marked).Write(parse.GetValue(output)!, n);
            Console.WriteLine($"wrote {n} images and {Path.Combine(parse.GetValue(output)!, "manifest.csv")}");
            return 0;
        }));
        return command;
    }
}
