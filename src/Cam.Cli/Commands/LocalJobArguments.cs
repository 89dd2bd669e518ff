namespace Cam.Cli.Commands;

/// <summary>
/// A job's dataset and model on this machine, as <c>cam run</c> and <c>cam plan</c> take them: <c>--dataset</c> and
/// <c>--model</c>, by default the bundled demo (<see cref="RunCommand.Samples"/>).
/// </summary>
internal static class LocalJobArguments
{
    public static Option<string> Dataset(string description) => new("--dataset")
    {
        Description = description,
        DefaultValueFactory = _ => RunCommand.Samples("shapes/manifest.csv")
    };

    public static Option<string> Model(string description) => new("--model")
    {
        Description = description,
        DefaultValueFactory = _ => RunCommand.Samples("shapes-model")
    };
}

/// <summary>
/// Where an embedded job finds its inputs: a dataset folder is its own data root (the dataset then named "."), a
/// manifest's folder is the data root of the manifest's file name; the model package's parent folder is the model
/// root of the package's name.
/// </summary>
internal sealed record LocalJobPaths(string DataRoot, string Dataset, string ModelRoot, string Model)
{
    /// <summary>The paths of <paramref name="dataset"/> and <paramref name="model"/>, which must exist.</summary>
    public static LocalJobPaths Resolve(string dataset, string model)
    {
        var datasetPath = Path.GetFullPath(dataset);
        var modelPath = Path.GetFullPath(model.TrimEnd('/'));
        var isFolder = Directory.Exists(datasetPath);
        if (!isFolder && !File.Exists(datasetPath))
            throw new FileNotFoundException($"dataset '{datasetPath}' does not exist");
        if (!Directory.Exists(modelPath))
            throw new DirectoryNotFoundException($"model package '{modelPath}' does not exist");
        return isFolder
            ? new(datasetPath, ".", Path.GetDirectoryName(modelPath)!, Path.GetFileName(modelPath))
            : new(Path.GetDirectoryName(datasetPath)!, Path.GetFileName(datasetPath), Path.GetDirectoryName(modelPath)!,
                Path.GetFileName(modelPath));
    }
}
