namespace Cam.Cli.Commands;

/// <summary>
/// JSON output, the same in every command: <c>--json</c> is a flag that prints the command's result as JSON on
/// standard output instead of lines for people; <c>--json-out FILE</c> writes it to a file as well, where a command
/// also writes a file of its own (the report's and the diff's HTML).
/// </summary>
internal static class JsonArguments
{
    /// <summary><c>--json</c>: <paramref name="what"/> as JSON on standard output.</summary>
    public static Option<bool> Print(string what) => new("--json") { Description = $"print {what} as JSON on standard output instead of lines" };

    /// <summary><c>--json-out FILE</c>: <paramref name="what"/> as JSON in a file, besides the command's other output.</summary>
    public static Option<string?> OutFile(string what) => new("--json-out") { Description = $"also write {what} as JSON to this file" };
}
