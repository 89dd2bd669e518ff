using System.CommandLine;
using Cam.Contracts;
using Cam.Engine.Precision;

namespace Cam.Cli.Commands;

/// <summary>The method options shared by the job commands: which methods, and the convention where implementations disagree.</summary>
internal static class MethodArguments
{
    public static readonly string MethodsHelp = $"comma-separated: {string.Join(", ", MethodNames.All)}";

    public static Option<string?> Convention() => new("--convention")
    {
        Description = "paper (default) or torchcam: Grad-CAM++'s alpha as published, or as torchcam computes it; other methods ignore it",
    };

    public static Option<int> MetricSteps() => new("--metric-steps")
    {
        Description = "steps of the deletion and insertion curves", DefaultValueFactory = _ => Contracts.MetricSteps.Default,
    };

    /// <summary>The precision of the masked forwards (Score-CAM family, faithfulness metrics): --dtype and --channels-last.</summary>
    public static (Option<string> DType, Option<bool> ChannelsLast) Precision() => (
        new Option<string>("--dtype")
        {
            DefaultValueFactory = _ => "float32",
            Description = "precision of the masked forwards: float32, bfloat16 or float16 (the explained forward and gradients stay float32)",
        },
        new Option<bool>("--channels-last") { Description = "masked forwards in the channels-last memory layout" });

    /// <summary>The precision asked for; null for plain float32.</summary>
    public static ForwardPrecision? ParsePrecision(string? dtype, bool channelsLast) => ForwardPrecision.Parse(dtype, channelsLast).UnlessPlain;

    /// <summary>One spec per comma-separated method name, each with the convention.</summary>
    public static List<MethodSpec> Specs(string methods, string? convention)
    {
        if (convention is not null && !MethodNames.Conventions.Contains(convention))
            throw new ArgumentException($"unknown convention '{convention}' (known: {string.Join(", ", MethodNames.Conventions)})");
        return methods.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => new MethodSpec(m, Convention: convention)).ToList();
    }
}
