using System.CommandLine;
using Cam.Contracts;

namespace Cam.Cli.Commands;

/// <summary>The method options shared by the job commands: which methods, and the convention where implementations disagree.</summary>
internal static class MethodArguments
{
    public static readonly string MethodsHelp = $"comma-separated: {string.Join(", ", MethodNames.All)}";

    public static Option<string?> Convention() => new("--convention")
    {
        Description = "paper (default) or torchcam: Grad-CAM++'s alpha as published, or as torchcam computes it; other methods ignore it",
    };

    /// <summary>One spec per comma-separated method name, each with the convention.</summary>
    public static List<MethodSpec> Specs(string methods, string? convention)
    {
        if (convention is not null && !MethodNames.Conventions.Contains(convention))
            throw new ArgumentException($"unknown convention '{convention}' (known: {string.Join(", ", MethodNames.Conventions)})");
        return methods.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => new MethodSpec(m, Convention: convention)).ToList();
    }
}
