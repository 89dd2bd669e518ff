using Cam.Specs;

namespace Cam.Cli.Commands;

/// <summary>
/// The options that describe a job, the same in <c>cam run</c>, <c>plan</c> and <c>submit</c>: the methods and their
/// options, layers, classes, shard size and metrics; and the job spec they make.
/// </summary>
internal sealed class JobArguments(string metricsDescription)
{
    private readonly Option<string> methods = MethodArguments.Methods();
    private readonly Option<string?> convention = MethodArguments.Convention();
    private readonly Option<string?> target = MethodArguments.Target();
    private readonly Option<bool> augSmooth = MethodArguments.AugSmooth();
    private readonly Option<bool> eigenSmooth = MethodArguments.EigenSmooth();
    private readonly Option<string?> layers = new("--layers") { Description = "comma-separated target layers; the package's defaults when omitted" };
    private readonly Option<string> classes = MethodArguments.Classes();
    private readonly Option<int?> shardSize = new("--shard-size") { Description = "items per shard" };
    private readonly Option<bool> metrics = new("--metrics") { Description = metricsDescription };
    private readonly Option<int> metricSteps = MethodArguments.MetricSteps();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in (Option[])[methods, convention, target, augSmooth, eigenSmooth, layers, classes, shardSize, metrics, metricSteps])
            command.Options.Add(option);
    }

    /// <summary>The job the command line describes, over <paramref name="dataset"/> and <paramref name="model"/>.</summary>
    public JobSpec Spec(ParseResult parse, string dataset, string model) => new()
    {
        Dataset = dataset,
        Model = model,
        Methods = MethodArguments.Specs(parse.GetValue(methods)!, parse.GetValue(convention), parse.GetValue(target), parse.GetValue(augSmooth),
            parse.GetValue(eigenSmooth)),
        Layers = parse.GetValue(layers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
        Classes = parse.GetValue(classes)!,
        ShardSize = parse.GetValue(shardSize),
        Metrics = parse.GetValue(metrics),
        MetricSteps = parse.GetValue(metricSteps),
    };
}
