using Spectre.Console;
using Cam.Client;
using Cam.Contracts;

namespace Cam.Cli.Commands;

/// <summary><c>cam submit</c>, <c>cam status</c> and <c>cam cancel</c>: jobs on a scheduler.</summary>
internal static class ClusterCommands
{
    private static readonly Option<string?> Scheduler =
        new("--scheduler") { Description = "scheduler URL (CAM_SCHEDULER_URL; http://localhost:8080)" };
    private static readonly Option<string?> ApiKey = new("--api-key") { Description = "API key (CAM_API_KEY)" };

    public static Command Submit()
    {
        var dataset = new Option<string>("--dataset") { Required = true, Description = "image folder or manifest, relative to the data root" };
        var model = new Option<string>("--model") { Required = true, Description = "model package, relative to the model root" };
        var job = new JobArguments("compute faithfulness metrics (more forwards)");
        var command = new Command("submit", "submit a job to a scheduler; prints its id") { dataset, model, Scheduler, ApiKey };
        job.AddTo(command);
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var spec = job.Spec(parse, parse.GetValue(dataset)!, parse.GetValue(model)!);
            ClassPolicy.Parse(spec.Classes);
            using var client = SchedulerClient.Create(parse.GetValue(Scheduler), parse.GetValue(ApiKey));
            var id = await client.SubmitAsync(SchedulerClient.Spec(spec), ct);
            Console.WriteLine(id);
            return 0;
        }));
        return command;
    }

    public static Command Status()
    {
        var job = new Argument<Guid>("job") { Description = "job id" };
        var watch = new Option<bool>("--watch") { Description = "refresh until the job ends" };
        var json = JsonArguments.Print("the job's state");
        var command = new Command("status", "show a job's state and progress") { job, watch, json, Scheduler, ApiKey };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            using var client = SchedulerClient.Create(parse.GetValue(Scheduler), parse.GetValue(ApiKey));
            if (parse.GetValue(watch) && !parse.GetValue(json) && ProgressDisplay.Interactive)
                return await WatchWithBarAsync(client, parse.GetValue(job), ct);
            while (true)
            {
                var view = await client.GetJobAsync(parse.GetValue(job), ct);
                Console.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(view, JsonSerializerOptions.Web) : Describe(view));
                if (!parse.GetValue(watch) || view.State != JobState.Running) return view.State == JobState.Failed ? 1 : 0;
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
            }
        }));
        return command;
    }

    private static async Task<int> WatchWithBarAsync(CamClient client, Guid job, CancellationToken ct)
    {
        JobView view = null!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("waiting", maxValue: 1);
                while (true)
                {
                    view = await client.GetJobAsync(job, ct);
                    task.MaxValue = Math.Max(1, view.Total);
                    task.Value = Math.Min(task.MaxValue, view.Done);
                    task.Description = $"{view.State}: {view.Done}/{view.Total} items, {view.Results} results";
                    if (view.State != JobState.Running) break;
                    await Task.Delay(TimeSpan.FromSeconds(2), ct);
                }
            });
        Console.WriteLine(Describe(view));
        return view.State == JobState.Failed ? 1 : 0;
    }

    public static Command Cancel()
    {
        var job = new Argument<Guid>("job") { Description = "job id" };
        var command = new Command("cancel", "cancel a job") { job, Scheduler, ApiKey };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            using var client = SchedulerClient.Create(parse.GetValue(Scheduler), parse.GetValue(ApiKey));
            var view = await client.CancelAsync(parse.GetValue(job), ct);
            Console.WriteLine($"{Describe(view)} ({view.Message})");
            return 0;
        }));
        return command;
    }

    private static string Describe(JobView view) =>
        $"{view.Id} {view.State}: {view.Done}/{view.Total} items ({view.Failed} failed), {view.Results} results, " +
        $"{view.ItemsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)} items/s, " +
        $"eta {view.EtaSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}s" +
        (Cam.Storage.UnknownLabels.Describe([.. (view.UnknownLabels ?? []).Select(l => new Cam.Storage.UnknownLabel(l.Label,
            l.Items))]) is { } unknown
            ? $"\n{unknown}" : "");
}
