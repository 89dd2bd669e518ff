using Cam.Hosting;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Cam.Contracts;
using Cam.Datasets;
using Cam.Engine;
using Cam.Engine.Applicability;
using Cam.Engine.Batches;
using Cam.Engine.Methods;
using Cam.Engine.Metrics;
using Cam.Engine.Packages;
using Cam.Engine.Preprocessing;
using Cam.Specs;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Worker.Telemetry;
using static TorchSharp.torch;

namespace Cam.Worker;

/// <summary>A shard that cannot be processed at all (its model does not load, say): retrying will not help.</summary>
public sealed class ShardFailureException(string message) : Exception(message);

/// <summary>The shard's job is no longer running (cancelled or failed): the work stops and nothing is stored.</summary>
public sealed class JobEndedException(Guid jobId) : Exception($"job {jobId} is no longer running");

/// <summary>
/// Explains one shard: decodes, resizes and crops its images (the next batch while the device computes the current one), runs the
/// methods, and stores results and item errors in one idempotent write. Bad items become item errors.
/// </summary>
public sealed class ShardProcessor(WorkerSettings settings, ModelCache models, ResultWriter writer, JobStore jobs, InputWaits? waits = null)
{
    private readonly ImageLoader loader = new(new DataRoot(settings.DataRoot));
    private readonly ConcurrentDictionary<string, IReadOnlyList<MethodApplicability>> verdictCache = new();

    public Task<ShardCompleted> ProcessAsync(ExplainShard shard, CancellationToken ct) => ProcessAsync(shard, null, ct);

    /// <summary>Explains the shard and stores its output (under <paramref name="claim"/>, when given).</summary>
    /// <exception cref="JobEndedException">The job ended before or while the shard was worked on.</exception>
    public async Task<ShardCompleted> ProcessAsync(ExplainShard shard, ShardClaim? claim, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var output = new Accumulator(shard.JobId);
        if (!await jobs.IsJobRunningAsync(shard.JobId, ct)) throw new JobEndedException(shard.JobId);
        if (settings.NoOpExplainer)
        {
            NoOp(shard, output, settings.NoOpMapSize);
        }
        else
        {
            using var lease = Rent(shard.Model.Package);
            await ExplainAsync(shard, lease.Model, output, ct);
        }
        ct.ThrowIfCancellationRequested();
        var inserted = await writer.WriteAsync(output.ToShardOutput(), claim, ct);
        // Under a claim the write completed the shard and counted it into the job, once: so are the counters.
        if (claim is not null) Count(shard.JobId, output);
        return Completed(shard, output, inserted, clock);
    }

    /// <summary>Adds a stored shard's items, results per method and method failures to the worker's counters.</summary>
    private static void Count(Guid jobId, Accumulator output)
    {
        var job = CamTelemetry.Job(jobId);
        WorkerTelemetry.ItemsProcessed.Add(output.Succeeded.Count, job, CamTelemetry.Outcome("succeeded"));
        WorkerTelemetry.ItemsProcessed.Add(output.Failed.Count, job, CamTelemetry.Outcome("failed"));
        foreach (var method in output.Results.GroupBy(r => r.Method))
            WorkerTelemetry.Results.Add(method.Count(), job, new(WorkerTelemetry.MethodAttribute, method.Key));
        foreach (var method in output.Errors.Where(e => e.Method is not null && e.ItemNumber is not null).GroupBy(e => e.Method!))
            WorkerTelemetry.MethodFailures.Add(method.Select(e => e.ItemNumber).Distinct().Count(), job, new(WorkerTelemetry.MethodAttribute,
                method.Key));
    }

    private ModelCache.Lease Rent(string package)
    {
        try
        {
            return models.Rent(package);
        }
        catch (ModelPackageException e)
        {
            throw new ShardFailureException(e.Message);
        }
    }

    private static ShardCompleted Completed(ExplainShard shard, Accumulator output, int inserted, Stopwatch clock) => new()
    {
        JobId = shard.JobId, ShardNumber = shard.ShardNumber, Attempt = shard.Attempt,
        Succeeded = output.Succeeded.Count, Failed = output.Failed.Count, Results = output.Results.Count,
        Seconds = clock.Elapsed.TotalSeconds, Worker = Environment.MachineName,
    };

    private async Task ExplainAsync(ExplainShard shard, ModelPackage package, Accumulator output, CancellationToken ct)
    {
        var layers = shard.TargetLayers.Count > 0 ? shard.TargetLayers : package.Manifest.TargetLayers;
        foreach (var layer in layers)
            if (!package.Classifier.LayerNames.Contains(layer))
                throw new ShardFailureException($"model '{shard.Model.Package}' has no layer '{layer}'");
        var methods = ApplicableMethods(shard, package, output);
        var context = new ShardContext(shard, package, new Preprocessor(package.Manifest.Preprocess, package.Classifier.Device),
            new BatchExplainer(package.Classifier, new ExplainerOptions { Precision = settings.Precision }, ct), methods, layers, output);
        var batches = Batches(shard, ct);
        if (batches.Count == 0) return;
        var reduce = package.Manifest.Preprocess.DecodeReduction(settings.FastDecode);
        var next = Task.Run(() => Prefetch(context, batches[0], reduce, ct), ct);
        for (var b = 0; b < batches.Count; b++)
        {
            var waited = Stopwatch.GetTimestamp();
            var images = await next;
            var wait = Stopwatch.GetElapsedTime(waited);
            if (b + 1 < batches.Count)
            {
                var following = batches[b + 1];
                next = Task.Run(() => Prefetch(context, following, reduce, ct), ct);
            }
            ct.ThrowIfCancellationRequested();
            if (!await jobs.IsJobRunningAsync(shard.JobId, ct)) throw new JobEndedException(shard.JobId);
            using var activity = WorkerTelemetry.Source.StartActivity("explain batch");
            activity?.SetTag("cam.batch.items", batches[b].Length);
            var times = new BatchTimes();
            ExplainBatch(context, batches[b], images, times);
            waits?.Add(wait, times.Preprocess, times.Compute);
        }
    }

    /// <summary>
    /// The next batch, made ready while the device works on the current one: decoded, then resized and cropped
    /// (<see cref="Preprocessor.Prepare"/>), so that the batch loop only normalises and explains.
    /// </summary>
    private LoadedImage[] Prefetch(ShardContext context, ItemRef[] batch, MinimumDecodeSize? reduce, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // JPEGs are decoded for the part the preprocessing reads (the crop's source window) alone.
        var images = loader.Load(context.Shard.DatasetRoot, batch.Select(i => i.Path).ToList(), ct, reduce,
            context.Preprocessor.WindowToDecode);
        WorkerTelemetry.BatchDuration.Record(clock.Elapsed.TotalSeconds, WorkerTelemetry.Stage("decode"));
        context.Preprocessor.Prepare(images.Where(i => i.Ok).Select(i => i.Image!));
        return images;
    }

    /// <summary>The shard's items in batches bounded by count and by decoded pixels (read from the images' headers).</summary>
    private List<ItemRef[]> Batches(ExplainShard shard, CancellationToken ct)
    {
        var pixels = loader.Pixels(shard.DatasetRoot, shard.Items.Select(i => i.Path).ToList(), ct);
        return PixelBoundedBatches.Plan(pixels, settings.BatchSize, settings.MaxBatchPixels).Select(r => shard.Items.Take(r).ToArray()).ToList();
    }

    private static CamMethod CreateMethod(MethodSpec spec)
    {
        try
        {
            return CamMethods.Create(spec);
        }
        catch (ArgumentException e)
        {
            throw new ShardFailureException(e.Message);
        }
    }

    /// <summary>
    /// The shard's methods that can explain the model, probed before any image is read (the verdicts kept per package
    /// and job spec). A method that cannot (the scheduler accepted the job without a probe answer, or the package
    /// changed since) fails for the whole job at once, recorded with its reason; the shard fails only when none can.
    /// </summary>
    private List<CamMethod> ApplicableMethods(ExplainShard shard, ModelPackage package, Accumulator output)
    {
        var (height, width) = package.Manifest.Preprocess.InputSize();
        var key = $"{package.Directory}|{string.Join(",", shard.TargetLayers)}|{height}x{width}|{JsonSerializer.Serialize(shard.Methods)}";
        var verdicts = verdictCache.GetOrAdd(key, _ => ModelProbe.Run(package, shard.Methods, shard.TargetLayers, height, width,
            measureRate: false).Methods);
        var methods = new List<CamMethod>();
        for (var i = 0; i < shard.Methods.Count; i++)
        {
            if (verdicts[i].Applicable) methods.Add(CreateMethod(shard.Methods[i]));
            else output.MethodError(shard.Methods[i].Name, MethodApplicabilityMessage.NotApplicable(shard.Methods[i].Name, shard.Model.Package,
                verdicts[i].Reason));
        }
        if (methods.Count == 0)
            throw new ShardFailureException(string.Join("; ", verdicts.Select(v => MethodApplicabilityMessage.NotApplicable(v.Method,
                shard.Model.Package, v.Reason))));
        return methods;
    }

    private static void ExplainBatch(ShardContext context, ItemRef[] items, LoadedImage[] images, BatchTimes times)
    {
        var ready = Admit(context, items, images);
        if (ready.Count > 0) Explain(context, ready, times);
    }

    /// <summary>A batch's preprocessing and method time (<see cref="InputWaits"/>).</summary>
    private sealed class BatchTimes
    {
        public TimeSpan Preprocess { get; set; }
        public TimeSpan Compute { get; set; }
    }

    /// <summary>The items that decoded, suit the preprocessing and (under the label policy) name a class; the others become item errors.</summary>
    private static List<ReadyItem> Admit(ShardContext context, ItemRef[] items, LoadedImage[] images)
    {
        var output = context.Output;
        var ready = new List<ReadyItem>();
        for (var i = 0; i < items.Length; i++)
        {
            if (!images[i].Ok)
            {
                output.Error(items[i].Number, images[i].Stage!, images[i].Error!);
                continue;
            }
            if (context.Preprocessor.Problem(images[i].Image!) is { } problem)
            {
                output.Error(items[i].Number, "preprocess", problem);
                continue;
            }
            int? label = null;
            if (context.Shard.Classes.Kind == ClassPolicyKind.Label)
            {
                label = items[i].Label is { } text ? context.Package.ClassOf(text) : null;
                if (label is null)
                {
                    output.Error(items[i].Number, "label",
                        items[i].Label is null ? "the item has no label" : $"label '{items[i].Label}' is not a class of the model");
                    continue;
                }
            }
            ready.Add(new ReadyItem(items[i], images[i].Image!, label));
        }
        return ready;
    }

    /// <summary>Preprocesses the admitted items into one batch (one by one when their sizes differ without a crop) and explains it.</summary>
    private static void Explain(ShardContext context, List<ReadyItem> ready, BatchTimes times)
    {
        Tensor input;
        var started = Stopwatch.GetTimestamp();
        try
        {
            input = context.Preprocessor.Batch(ready.Select(r => r.Image).ToList());
        }
        catch (ArgumentException) when (ready.Count > 1)
        {
            // Mixed sizes without a crop: explain the images one by one instead.
            times.Preprocess += Stopwatch.GetElapsedTime(started);
            foreach (var r in ready) Explain(context, [r], times);
            return;
        }
        catch (ArgumentException e)
        {
            context.Output.Error(ready[0].Item.Number, "preprocess", e.Message);
            return;
        }
        var computing = Stopwatch.GetTimestamp();
        var preprocess = Stopwatch.GetElapsedTime(started, computing);
        times.Preprocess += preprocess;
        WorkerTelemetry.BatchDuration.Record(preprocess.TotalSeconds, WorkerTelemetry.Stage("preprocess"));
        using (input) RunMethods(context, input, ready);
        var compute = Stopwatch.GetElapsedTime(computing);
        times.Compute += compute;
        WorkerTelemetry.BatchDuration.Record(compute.TotalSeconds, WorkerTelemetry.Stage("compute"));
    }

    /// <summary>Runs each method over the batch and records its maps, or its error per item.</summary>
    private static void RunMethods(ShardContext context, Tensor input, List<ReadyItem> ready)
    {
        var (shard, output) = (context.Shard, context.Output);
        var boxes = ready.Select(r => (IReadOnlyList<PixelBox>)(r.Item.Boxes ?? []).Select(b =>
        {
            var t = context.Preprocessor.Spec.TransformBox(new Box(b.X0, b.Y0, b.X1, b.Y1), r.Image.FullWidth, r.Image.FullHeight);
            return new PixelBox(t.X0, t.Y0, t.X1, t.Y1);
        }).ToList()).ToList();
        var explained = new bool[ready.Count];
        foreach (var method in context.Methods)
        {
            var request = new BatchRequest
            {
                Methods = [method],
                Layers = context.Layers,
                Classes = Classes(shard.Classes, ready.Select(r => r.Label).ToList()),
                Normalized = shard.Normalized,
                ComputeMetrics = shard.ComputeMetrics,
                CurveSteps = Math.Clamp(shard.MetricSteps, 1, Contracts.MetricSteps.Max),
                Boxes = boxes,
                ItemKeys = ready.Select(r => r.Item.Number).ToList(),
            };
            foreach (var (index, outcome) in MethodOutcomes.Explain(context.Explainer, input, request))
            {
                var item = ready[index];
                if (outcome.Error is { } error)
                {
                    output.Error(item.Item.Number, "explain", error, method.Name);
                    continue;
                }
                foreach (var r in outcome.Results!)
                    output.Add(item.Item.Number, r, item.Label ?? (item.Item.Label is { } text ? context.Package.ClassOf(text) : null));
                explained[index] = true;
            }
        }
        // An item stands when any method explained it; one that every method failed on is a failed item.
        for (var i = 0; i < ready.Count; i++)
            (explained[i] ? output.Succeeded : output.Failed).Add(ready[i].Item.Number);
    }

    private static ClassSelection Classes(ClassPolicy policy, IReadOnlyList<int?> labels) => policy.Kind switch
    {
        ClassPolicyKind.TopK => ClassSelection.Top(policy.K),
        ClassPolicyKind.Label => ClassSelection.OnePerImage(labels.Select(l => l!.Value).ToList()),
        _ => ClassSelection.ForBatch((policy.Explicit ?? []).ToArray()),
    };

    /// <summary>
    /// One side×side map per (item, method, class) without touching images or models: values in [0, 1] that vary with
    /// the item, so that what the maps cost in storage is measured, not how well zeros compress.
    /// </summary>
    private static void NoOp(ExplainShard shard, Accumulator output, int side)
    {
        var classes = shard.Classes.Kind switch
        {
            ClassPolicyKind.TopK => Enumerable.Range(0, shard.Classes.K).ToArray(),
            ClassPolicyKind.Label => [0],
            _ => (shard.Classes.Explicit ?? []).ToArray(),
        };
        foreach (var item in shard.Items)
        {
            foreach (var method in shard.Methods)
                for (var rank = 0; rank < classes.Length; rank++)
                    output.Add(item.Number, new MapResult(0, method.Name, "noop", classes[rank], rank, 0f, 0f, side, side, NoOpMap(item.Number, rank,
                        side), 0, 0, 0f));
            output.Succeeded.Add(item.Number);
        }
    }

    private static float[] NoOpMap(long item, int rank, int side)
    {
        var random = new Random(HashCode.Combine(item, rank));
        var map = new float[side * side];
        for (var i = 0; i < map.Length; i++) map[i] = random.NextSingle();
        return map;
    }

    /// <summary>What every batch of a shard is explained with, set up once per shard.</summary>
    private sealed record ShardContext(ExplainShard Shard, ModelPackage Package, Preprocessor Preprocessor, BatchExplainer Explainer,
        IReadOnlyList<CamMethod> Methods, IReadOnlyList<string> Layers, Accumulator Output);

    /// <summary>An item admitted to explanation: its decoded image and, under the label policy, its class.</summary>
    private sealed record ReadyItem(ItemRef Item, DecodedImage Image, int? Label);

    private sealed class Accumulator(Guid jobId)
    {
        public List<ResultRow> Results { get; } = [];
        public List<ItemErrorRow> Errors { get; } = [];
        public List<long> Succeeded { get; } = [];
        public List<long> Failed { get; } = [];

        public void Error(long item, string stage, string message)
        {
            Errors.Add(new ItemErrorRow { JobId = jobId, ItemNumber = item, Stage = stage, Message = message, At = DateTime.UtcNow });
            Failed.Add(item);
        }

        /// <summary>One method failed on the item; whether the item failed depends on the other methods.</summary>
        public void Error(long item, string stage, string message, string method) =>
            Errors.Add(new ItemErrorRow
            {
                JobId = jobId, ItemNumber = item, Stage = stage, Method = method, Message = message, At = DateTime.UtcNow
            });

        /// <summary>A method that cannot explain the model: an error of the whole job, stored once.</summary>
        public void MethodError(string method, string message) =>
            Errors.Add(new ItemErrorRow
            {
                JobId = jobId, ItemNumber = null, Stage = "method", Method = method, Message = message, At = DateTime.UtcNow
            });

        public void Add(long item, MapResult r, int? labelClass = null)
        {
            Results.Add(new ResultRow
            {
                JobId = jobId, ItemNumber = item, Method = r.Method, Layer = r.Layer, ClassIndex = r.ClassIndex, ClassRank = r.Rank,
                Score = r.Score, Probability = r.Probability, MapHeight = r.Height, MapWidth = r.Width, Map = ResultRow.EncodeMap(r.Map),
                PeakY = r.PeakY, PeakX = r.PeakX, Energy = r.Energy,
                Metrics = r.Metrics is null ? null : JsonSerializer.Serialize(r.Metrics, JsonSerializerOptions.Web),
                PredictedClass = r.PredictedClass, LabelClass = labelClass, PointingHit = r.PointingHit, EnergyInBox = r.EnergyInBox,
                AverageDrop = r.Metrics?.AverageDrop, IncreaseInConfidence = r.Metrics?.IncreaseInConfidence,
                DeletionArea = r.Metrics?.DeletionArea, InsertionArea = r.Metrics?.InsertionArea,
            });
        }

        public ShardOutput ToShardOutput() => new(jobId, Results, Errors, Succeeded, Failed);
    }
}
