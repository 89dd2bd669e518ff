using Cam.Demo;
using Cam.Engine.Packages;

namespace Cam.Jobs.Tests;

public class ShapesTrainerTests
{
    [Fact]
    public async Task Training_with_the_localisation_term_holds_out_a_tenth_and_writes_a_package_that_loads()
    {
        var folder = Directory.CreateTempSubdirectory("cam-train-").FullName;
        try
        {
            new ShapesGenerator(size: 128, seed: 31).Write(Path.Combine(folder, "data"), 120);
            var package = Path.Combine(folder, "model");
            var outcome = await new ShapesTrainer().TrainAsync(Path.Combine(folder, "data", "manifest.csv"), package, epochs: 1, seed: 3,
                localisationWeight: 0.5);
            Assert.Equal((108, 12), (outcome.TrainImages, outcome.HeldOutImages));
            using var loaded = ModelPackage.Load(package);
            Assert.Equal(ShapesGenerator.Classes, loaded.Manifest.Labels);
            Assert.Equal("shapesnet", loaded.Manifest.Architecture);
            Assert.Equal(4, loaded.ClassOf("triangle"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
