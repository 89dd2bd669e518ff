using Cam.Demo;

namespace Cam.Cli.Commands;

/// <summary><c>cam train-demo</c>: trains the demo network on a shapes manifest and writes its model package.</summary>
internal static class TrainDemoCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Required = true, Description = "manifest.csv of a shapes dataset" };
        var output = new Option<string>("--out") { Required = true, Description = "model package folder to write" };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var threads = new Option<int?>("--threads");
        var arch = new Option<string>("--arch")
        {
            Description = "shapesnet, or shapesnet_local (1×1 convolutions after the last pooling)",
            DefaultValueFactory = _ => "shapesnet"
        };
        var localisation = new Option<double>("--localisation-weight")
        {
            Description = "weight of the term that asks the true class's CAM to peak inside the manifest's box (0: labels only)",
            DefaultValueFactory = _ => ShapesTrainer.DefaultLocalisationWeight,
        };
        var command = new Command("train-demo", "train the demo CNN on the shapes data (CPU, a few minutes)") { data, output, epochs, seed, threads,
            arch, localisation };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            TorchSetup.Apply(parse.GetValue(threads));
            var manifest = parse.GetValue(data)!;
            if (Directory.Exists(manifest)) manifest = Path.Combine(manifest, "manifest.csv");
            var outcome = await new ShapesTrainer(Console.WriteLine).TrainAsync(manifest, parse.GetValue(output)!, parse.GetValue(epochs),
                parse.GetValue(seed), ct, parse.GetValue(arch)!,
                parse.GetValue(localisation));
            Console.WriteLine($"trained on {outcome.TrainImages} images; held-out accuracy {outcome.HeldOutAccuracy:P1} on " +
                $"{outcome.HeldOutImages}; wrote {parse.GetValue(output)}");
            return 0;
        }));
        return command;
    }
}
