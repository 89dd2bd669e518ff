namespace Cam.Datasets;

/// <summary>
/// Where a model package and its files may be: the package folder under the model root (<c>CAM_MODEL_ROOT</c>), and
/// the files <c>model.json</c> names inside the package folder, symbolic links resolved. One check for the scheduler
/// (at submission) and the worker (at load); a refusal is an <see cref="UnsafePathException"/>.
/// </summary>
public static class ModelPackagePaths
{
    /// <summary>The canonical folder of <paramref name="package"/> (relative to <paramref name="modelRoot"/>).</summary>
    public static string Folder(string modelRoot, string package) => new ConfinedRoot(modelRoot, "model root").Resolve(package);

    /// <summary>The canonical path of <paramref name="file"/> (as written in model.json), which must lie inside
    /// <paramref name="packageFolder"/>.</summary>
    public static string File(string packageFolder, string file) => new ConfinedRoot(packageFolder, "model package").Resolve(file);
}
