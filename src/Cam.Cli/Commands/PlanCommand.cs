using System.CommandLine;
using System.Text.Json;
using Cam.Cli.Embedded;
using Cam.Scheduler.Planning;
using Cam.Scheduler.Validation;
using Cam.Specs;

namespace Cam.Cli.Commands;

/// <summary>
/// <c>cam plan</c>: the cost preview of a job, with the arguments of <c>run</c> (probed in this process) or, with
/// <c>--scheduler</c>, those of <c>submit</c> (<c>POST /api/jobs?dryRun=true</c>, probed by a worker). Nothing runs.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "image folder or manifest (relative to the data root with --scheduler)", DefaultValueFactory = _ => RunCommand.Samples("shapes/manifest.csv") };
        var model = new Option<string>("--model") { Description = "model package folder (relative to the model root with --scheduler)", DefaultValueFactory = _ => RunCommand.Samples("shapes-model") };
        var methods = MethodArguments.Methods();
        var convention = MethodArguments.Convention();
        var (target, augSmooth, eigenSmooth) = (MethodArguments.Target(), MethodArguments.AugSmooth(), MethodArguments.EigenSmooth());
        var layers = new Option<string?>("--layers") { Description = "comma-separated target layers; the package's defaults when omitted" };
        var classes = MethodArguments.Classes();
        var workers = new Option<int>("--workers") { Description = "workers sharing the job, for the wall time", DefaultValueFactory = _ => 1 };
        var shardSize = new Option<int?>("--shard-size") { Description = "items per shard" };
        var metrics = new Option<bool>("--metrics") { Description = "count the faithfulness metrics' forwards too" };
        var metricSteps = MethodArguments.MetricSteps();
        var json = JsonArguments.Print("the plan");
        var scheduler = new Option<string?>("--scheduler") { Description = "ask this scheduler (its workers probe the model) instead of probing here" };
        var apiKey = new Option<string?>("--api-key") { Description = "API key (CAM_API_KEY)" };
        var command = new Command("plan", "preview a job's cost: forwards per item per method, device-hours and wall time, from a short probe of the model")
        {
            dataset, model, methods, convention, target, augSmooth, eigenSmooth, layers, classes, workers, shardSize, metrics, metricSteps, json, scheduler, apiKey,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            if (parse.GetValue(workers) < 1) throw new ArgumentException("--workers must be at least 1");
            var spec = new JobSpec
            {
                Dataset = parse.GetValue(dataset)!,
                Model = parse.GetValue(model)!.TrimEnd('/'),
                Methods = MethodArguments.Specs(parse.GetValue(methods)!, parse.GetValue(convention), parse.GetValue(target), parse.GetValue(augSmooth), parse.GetValue(eigenSmooth)),
                Layers = parse.GetValue(layers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
                Classes = parse.GetValue(classes)!,
                ShardSize = parse.GetValue(shardSize),
                Metrics = parse.GetValue(metrics),
                MetricSteps = parse.GetValue(metricSteps),
            };
            string text;
            if (parse.GetValue(scheduler) is { } url)
            {
                using var client = SchedulerClient.Create(url, parse.GetValue(apiKey));
                var answer = await client.PlanAsync(new Cam.Client.JobSpec
                {
                    Dataset = spec.Dataset, Model = spec.Model, Methods = SchedulerClient.Methods(spec.Methods), Layers = spec.Layers,
                    Classes = spec.Classes, ShardSize = spec.ShardSize, Metrics = spec.Metrics, MetricSteps = spec.MetricSteps,
                }, parse.GetValue(workers), ct);
                // The same fields as the scheduler's own plan, which knows how to describe itself.
                text = JsonSerializer.Serialize(answer, new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true });
                Console.WriteLine(parse.GetValue(json) ? text : string.Join(Environment.NewLine, JsonSerializer.Deserialize<CostPlan>(text, JsonSerializerOptions.Web)!.Describe()));
                return 0;
            }
            var plan = await PlanHereAsync(spec, parse.GetValue(workers), ct);
            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(plan, new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true })
                : string.Join(Environment.NewLine, plan.Describe()));
            return 0;
        }));
        return command;
    }

    /// <summary>Probes in this process, as <c>cam run</c> would before it starts, in a database thrown away after.</summary>
    private static async Task<CostPlan> PlanHereAsync(JobSpec spec, int workers, CancellationToken ct)
    {
        var datasetPath = Path.GetFullPath(spec.Dataset);
        var modelPath = Path.GetFullPath(spec.Model);
        if (!File.Exists(datasetPath) && !Directory.Exists(datasetPath)) throw new FileNotFoundException($"dataset '{datasetPath}' does not exist");
        if (!Directory.Exists(modelPath)) throw new DirectoryNotFoundException($"model package '{modelPath}' does not exist");
        var dataRoot = Directory.Exists(datasetPath) ? datasetPath : Path.GetDirectoryName(datasetPath)!;
        var local = spec with { Dataset = Directory.Exists(datasetPath) ? "." : Path.GetFileName(datasetPath), Model = Path.GetFileName(modelPath) };
        var database = Path.Combine(Path.GetTempPath(), $"cam-plan-{Guid.NewGuid():N}.db");
        try
        {
            return await EmbeddedJob.PlanAsync(new EmbeddedOptions(local, dataRoot, Path.GetDirectoryName(modelPath)!, database, workers), ct);
        }
        catch (JobValidationException e)
        {
            throw new ArgumentException(e.Message);
        }
        finally
        {
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(database) + "*")) File.Delete(file);
        }
    }
}
