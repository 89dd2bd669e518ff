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
        var dataset = LocalJobArguments.Dataset(
            "image folder or manifest (relative to the data root with --scheduler)");
        var model = LocalJobArguments.Model("model package folder (relative to the model root with --scheduler)");
        var job = new JobArguments("count the faithfulness metrics' forwards too");
        var workers = new Option<int>("--workers") { Description = "workers sharing the job, for the wall time", DefaultValueFactory = _ => 1 };
        var json = JsonArguments.Print("the plan");
        var scheduler = new Option<string?>("--scheduler")
        {
            Description = "ask this scheduler (its workers probe the model) instead of probing here"
        };
        var apiKey = new Option<string?>("--api-key") { Description = "API key (CAM_API_KEY)" };
        var command = new Command("plan",
            "preview a job's cost: forwards per item per method, device-hours and wall time, from a short probe of the model")
        {
            dataset, model, workers, json, scheduler, apiKey,
        };
        job.AddTo(command);
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            if (parse.GetValue(workers) < 1) throw new ArgumentException("--workers must be at least 1");
            var spec = job.Spec(parse, parse.GetValue(dataset)!, parse.GetValue(model)!.TrimEnd('/'));
            string text;
            if (parse.GetValue(scheduler) is { } url)
            {
                using var client = SchedulerClient.Create(url, parse.GetValue(apiKey));
                var answer = await client.PlanAsync(SchedulerClient.Spec(spec), parse.GetValue(workers), ct);
                // The same fields as the scheduler's own plan, which knows how to describe itself.
                text = JsonSerializer.Serialize(answer, new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true });
                Console.WriteLine(parse.GetValue(json) ? text : string.Join(Environment.NewLine, JsonSerializer.Deserialize<CostPlan>(text,
                    JsonSerializerOptions.Web)!.Describe()));
                return 0;
            }
            var plan = await PlanHereAsync(spec, parse.GetValue(workers), ct);
            Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(plan,
                new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true })
                : string.Join(Environment.NewLine, plan.Describe()));
            return 0;
        }));
        return command;
    }

    /// <summary>Probes in this process, as <c>cam run</c> would before it starts, in a database thrown away after.</summary>
    private static async Task<CostPlan> PlanHereAsync(JobSpec spec, int workers, CancellationToken ct)
    {
        var paths = LocalJobPaths.Resolve(spec.Dataset, spec.Model);
        var local = spec with { Dataset = paths.Dataset, Model = paths.Model };
        var database = Path.Combine(Path.GetTempPath(), $"cam-plan-{Guid.NewGuid():N}.db");
        try
        {
            var options = new EmbeddedOptions(local, paths.DataRoot, paths.ModelRoot, database, workers);
            return await EmbeddedJob.PlanAsync(options, ct);
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
