using Cam.Audit;
using Cam.Cli.Embedded;
using Cam.Specs;
using Cam.Storage;
using Cam.Contracts;
using Cam.Scheduler.Planning;
using Cam.Scheduler.Validation;
using Cam.Worker;
using Spectre.Console;

namespace Cam.Cli.Commands;

/// <summary><c>cam run</c>: a whole job in this process (in-memory bus, SQLite), by default on the bundled demo.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var dataset = LocalJobArguments.Dataset("image folder or manifest (CSV/JSONL)");
        var model = LocalJobArguments.Model("model package folder");
        var job = new JobArguments("compute faithfulness metrics: average drop, increase in confidence, deletion and insertion (more forwards)");
        var workers = new Option<int>("--workers") { Description = "in-process workers", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "folder for the results database", DefaultValueFactory = _ => "cam-output" };
        var json = JsonArguments.Print("one summary at the end");
        var noop = new Option<bool>("--noop-explainer") { Description = "replace the engine by a no-op, to measure the pipeline alone" };
        var batchMegapixels = new Option<int>("--batch-megapixels")
        {
            Description = "decoded pixels per batch of a worker, in millions (bounds memory with large photos)",
            DefaultValueFactory = _ => (int)(WorkerSettings.DefaultMaxBatchPixels / 1_000_000),
        };
        var (dtype, channelsLast) = MethodArguments.Precision();
        var noReport = new Option<bool>("--no-report") { Description = "do not write the audit report (report-JOB.html) at the end" };
        var serve = new Option<int?>("--serve") { Description = "serve the live job page and /metrics on http://127.0.0.1:PORT while the job runs" };
        var command = new Command("run", "run a whole explanation job in this process (in-memory bus, SQLite)")
        {
            dataset, model, workers, output, json, noop, noReport, batchMegapixels, dtype, channelsLast,
        };
        job.AddTo(command);
        command.Options.Add(serve);
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var paths = LocalJobPaths.Resolve(parse.GetValue(dataset)!, parse.GetValue(model)!);
            if (parse.GetValue(workers) < 1) throw new ArgumentException("--workers must be at least 1");
            if (parse.GetValue(batchMegapixels) < 1) throw new ArgumentException("--batch-megapixels must be at least 1");
            var spec = job.Spec(parse, paths.Dataset, paths.Model);
            var outDir = Directory.CreateDirectory(parse.GetValue(output)!).FullName;
            var database = Path.Combine(outDir, $"cam-{DateTime.UtcNow:yyyyMMdd-HHmmss}.db");
            var options = new EmbeddedOptions(spec, paths.DataRoot, paths.ModelRoot, database, parse.GetValue(workers),
                parse.GetValue(noop))
            {
                MaxBatchPixels = parse.GetValue(batchMegapixels) * 1_000_000L,
                Precision = MethodArguments.ParsePrecision(parse.GetValue(dtype), parse.GetValue(channelsLast)),
                ServePort = parse.GetValue(serve),
            };
            if (options.ServePort is { } port && !parse.GetValue(json)) Console.WriteLine($"watch the job at http://127.0.0.1:{port}/");
            EmbeddedSummary summary;
            CostPlan? preview = null;
            try
            {
                summary = await RunWithProgressAsync(options, parse.GetValue(json), ct, plan =>
                {
                    preview = plan;
                    if (parse.GetValue(json)) return;
                    foreach (var line in plan.Describe()) Console.WriteLine(line);
                });
            }
            catch (JobValidationException e)
            {
                throw new ArgumentException(e.Message);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Console.Error.WriteLine("interrupted before the job started");
                return CommandErrors.Interrupted;
            }
            string? report = null;
            AuditSummary? audit = null;
            if (!parse.GetValue(noReport) && !parse.GetValue(noop) && summary.Results > 0 && !ct.IsCancellationRequested)
            {
                report = Path.Combine(outDir, $"report-{summary.JobId}.html");
                var auditOptions = new AuditOptions { DataRoot = paths.DataRoot, ModelRoot = options.ModelRoot };
                audit = await ProgressDisplay.RunAsync(parse.GetValue(json), progress =>
                    AuditReport.WriteAsync(StorageSettings.SqliteFile(database), summary.JobId, auditOptions, report, Path.ChangeExtension(report,
                        ".json"), progress, ct));
            }
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    job_id = summary.JobId, state = summary.State, items = summary.Items, succeeded = summary.Succeeded, failed = summary.Failed,
                    results = summary.Results, seconds = summary.Seconds, images_per_second = summary.ImagesPerSecond,
                    database = summary.DatabasePath,
                    error = summary.Error, report, accuracy = audit?.Accuracy,
                    preview = preview is null ? null : new
                    {
                        forwards = preview.Forwards, forwards_per_second = preview.ForwardsPerSecond, seconds = preview.WallSeconds,
                        over_actual = PreviewOverActual(preview, summary),
                    },
                    methods = summary.Methods.Select(m => new
                    {
                        method = m.Method, results = m.Results, failed_items = m.FailedItems, error = m.JobError
                    }),
                    unknown_labels = summary.UnknownLabels.Select(l => new { label = l.Label, items = l.Items }),
                    inputs = summary.Inputs is not { } inputs ? null : new
                    {
                        batches = inputs.Batches, wait_seconds = Math.Round(inputs.WaitSeconds, 3),
                        preprocess_seconds = Math.Round(inputs.PreprocessSeconds, 3),
                        compute_seconds = Math.Round(inputs.ComputeSeconds, 3), device_idle_share = Math.Round(inputs.IdleShare, 4),
                    },
                    shortcuts = audit?.Findings.Where(f => f.Suspicious).Select(f => new
                    {
                        method = f.Method, @class = f.Label, region = f.Region, peak_share = f.PeakShare
                    }),
                }));
            else
            {
                Console.WriteLine($"job {summary.JobId} {summary.State}: {summary.Succeeded}/{summary.Items} items explained, {summary.Failed} " +
                    $"failed, {summary.Results} results in {summary.Seconds:F1}s ({summary.ImagesPerSecond:F1} images/s); database " +
                        $"{summary.DatabasePath}");
                if (PreviewOverActual(preview, summary) is { } ratio)
                    Console.WriteLine($"  the preview said {preview!.WallSeconds:F1}s: {ratio:F2}× the run's time");
                foreach (var m in summary.Methods.Where(m => m.FailedItems > 0 || m.JobError is not null))
                    Console.WriteLine($"  {m.Method}: {m.Results} results, failed on {m.FailedItems} " +
                        $"items{(m.JobError is null ? "" : $"; {m.JobError}")}");
                if (UnknownLabels.Describe(summary.UnknownLabels) is { } unknown) Console.WriteLine($"  {unknown}");
                if (summary.Inputs is { } inputs)
                    Console.WriteLine($"  inputs: the device waited {inputs.IdleShare:P1} of the batch loop ({inputs.WaitSeconds:F2}s for decoded " +
                        $"images, " +
                            $"{inputs.PreprocessSeconds:F2}s preprocessing, {inputs.ComputeSeconds:F2}s in the methods, {inputs.Batches} batches)");
                if (audit is not null) ReportCommand.Describe(audit, report!);
            }
            return JobState.Succeeded(summary.State) ? 0 : ct.IsCancellationRequested ? CommandErrors.Interrupted : CommandErrors.Failure;
        }));
        return command;
    }

    /// <summary>The preview's wall time over the run's, for a run that explained every item (else null: nothing to compare).</summary>
    private static double? PreviewOverActual(CostPlan? preview, EmbeddedSummary summary) =>
        preview?.WallSeconds is { } predicted && summary.Seconds > 0 && JobState.Succeeded(summary.State) && summary.Failed == 0
            ? Math.Round(predicted / summary.Seconds, 3)
            : null;

    private static async Task<EmbeddedSummary> RunWithProgressAsync(EmbeddedOptions options, bool json, CancellationToken ct, Action<CostPlan> plan)
    {
        if (json || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            var last = DateTime.MinValue;
            return await EmbeddedJob.RunAsync(options, view =>
            {
                if (json || DateTime.UtcNow - last < TimeSpan.FromSeconds(2)) return;
                last = DateTime.UtcNow;
                Console.WriteLine($"{view.State}: {view.Done}/{view.Total} items, {view.Results} results, {view.ItemsPerSecond:F1} items/s");
            }, ct, plan);
        }
        EmbeddedSummary? summary = null;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("explaining", maxValue: 1);
                summary = await EmbeddedJob.RunAsync(options, view =>
                {
                    task.MaxValue = Math.Max(1, view.Total);
                    task.Value = view.Done;
                    task.Description = $"{view.Done}/{view.Total} items, {view.Results} results";
                }, ct, p => AnsiConsole.Console.WriteLine(string.Join(Environment.NewLine, p.Describe())));
                task.Value = task.MaxValue;
            });
        return summary!;
    }

    /// <summary>The bundled samples, found from the current folder or next to the program.</summary>
    internal static string Samples(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "samples", relative);
                if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
            }
        }
        return Path.Combine("samples", relative);
    }
}
