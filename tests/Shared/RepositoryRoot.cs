namespace Cam.Tests.Shared;

/// <summary>The repository's root (the folder holding Cam.sln), found from the test's output folder. Linked into the test projects that need
/// it.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Cam.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Cam.sln above {AppContext.BaseDirectory}");
    }
}
