using System.Text.RegularExpressions;
using Cam.Tests.Shared;

namespace Cam.Deploy.Tests;

/// <summary>
/// .editorconfig's <c>max_line_length</c> for C# holds in every .cs file under src/, tests/ and build/ (editors only
/// show the limit; this test enforces it). Length is counted in characters, as editors count the column.
/// </summary>
public class SourceLineLengthTests
{
    [Fact]
    public void No_csharp_line_under_src_tests_or_build_is_longer_than_editorconfigs_max_line_length()
    {
        var limit = MaxLineLength();
        var over = LongLines(limit).Select(l => $"{l.File}:{l.Line} ({l.Length})").ToList();
        Assert.True(over.Count == 0, $"{over.Count} lines are longer than {limit} characters:\n{string.Join('\n', over)}");
    }

    /// <summary>The <c>max_line_length</c> of .editorconfig's <c>[*.cs]</c> section.</summary>
    private static int MaxLineLength()
    {
        var section = "";
        foreach (var line in File.ReadLines(Path.Combine(RepositoryRoot.Path, ".editorconfig")).Select(l => l.Trim()))
        {
            if (line.StartsWith('[')) section = line;
            else if (section == "[*.cs]" && Regex.Match(line, @"^max_line_length\s*=\s*(\d+)$") is { Success: true } m)
                return int.Parse(m.Groups[1].Value);
        }
        throw new InvalidOperationException(".editorconfig has no max_line_length in its [*.cs] section");
    }

    private static IEnumerable<(string File, int Line, int Length)> LongLines(int limit) =>
        new[] { "src", "tests", "build" }.SelectMany(SourceFiles).SelectMany(file =>
        {
            var relative = Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/');
            return File.ReadLines(file).Select((text, i) => (File: relative, Line: i + 1, text.Length)).Where(l => l.Length > limit);
        });

    /// <summary>The .cs files under <paramref name="folder"/>, build outputs (bin, obj) left out.</summary>
    private static IEnumerable<string> SourceFiles(string folder)
    {
        var root = Path.Combine(RepositoryRoot.Path, folder);
        return Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Where(f =>
                !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            : [];
    }
}
