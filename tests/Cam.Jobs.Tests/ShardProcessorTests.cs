using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Cam.Worker;
using SkiaSharp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Jobs.Tests;

public class ShardProcessorTests
{
    internal static async Task<(ServiceProvider Services, Guid Job, ExplainShard Shard)> SetUpAsync(DemoWorkspace workspace,
        Func<WorkerSettings, WorkerSettings>? configure = null, string database = "cam.db", Action<IServiceCollection>? addServices = null)
    {
        var settings = new WorkerSettings { DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot, BatchSize = 3 };
        var collection = new ServiceCollection()
            .AddLogging()
            .AddCamStorage(StorageSettings.SqliteFile(Path.Combine(workspace.Root, database)))
            .AddWorkerServices(configure?.Invoke(settings) ?? settings);
        addServices?.Invoke(collection);
        var services = collection.BuildServiceProvider();
        await services.GetRequiredService<CamMigrator>().MigrateAsync();
        var store = services.GetRequiredService<JobStore>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, "{}");
        var lines = File.ReadAllLines(Path.Combine(workspace.DataRoot, "shapes", "manifest.csv")).Skip(1).ToList();
        var items = lines.Select((l, n) =>
            new ItemRow
            {
                JobId = job, Number = n, ShardNumber = 0, Path = l.Split(',')[0], Label = l.Split(',')[1], State = ItemState.Pending
            }).ToList();
        await store.AddShardAsync(job, 0, items);
        await store.MarkEnumerationDoneAsync(job);
        await services.GetRequiredService<ShardLifecycle>().TryPublishAsync(job, 0, 0, DateTime.UtcNow.AddMinutes(5));
        var shard = new ExplainShard
        {
            JobId = job, ShardNumber = 0, Attempt = 1, Model = new ModelReference("shapes-model"),
            Methods = [new MethodSpec("scorecam"), new MethodSpec("iscam", NumSamples: 2)], Classes = ClassPolicy.Top(1), DatasetRoot = "shapes",
            Items = items.Select(i => new ItemRef(i.Number, i.Path, i.Label)).ToList(),
        };
        return (services, job, shard);
    }

    [Fact]
    public async Task A_shard_delivered_twice_yields_the_same_rows_as_once()
    {
        using var workspace = new DemoWorkspace(images: 5);
        var (services, job, shard) = await SetUpAsync(workspace);
        await using var _ = services;
        var processor = services.GetRequiredService<ShardProcessor>();
        var first = await processor.ProcessAsync(shard, CancellationToken.None);
        var second = await processor.ProcessAsync(shard with { Attempt = 2 }, CancellationToken.None);
        Assert.Equal((5, 3, 10), (first.Succeeded, first.Failed, first.Results));
        Assert.Equal((first.Succeeded, first.Failed, first.Results), (second.Succeeded, second.Failed, second.Results));

        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        Assert.Equal(10, await db.Results.CountAsync(r => r.JobId == job));
        Assert.Equal(3, await db.ItemErrors.CountAsync(e => e.JobId == job));
        Assert.Equal(ShardReport.Counted, await services.GetRequiredService<ShardLifecycle>().TryCompleteOnReportAsync(first));
        Assert.Equal(ShardReport.AlreadyCounted, await services.GetRequiredService<ShardLifecycle>().TryCompleteOnReportAsync(second));
        Assert.Equal(JobState.CompletedWithErrors, await services.GetRequiredService<JobStore>().TryFinishJobAsync(job));
    }

    [Fact]
    public async Task A_cancelled_jobs_shard_is_not_worked_on()
    {
        using var workspace = new DemoWorkspace(images: 4, withBadItems: false);
        var (services, job, shard) = await SetUpAsync(workspace);
        await using var _ = services;
        Assert.True(await services.GetRequiredService<JobStore>().TryCancelAsync(job));
        await Assert.ThrowsAsync<JobEndedException>(() => services.GetRequiredService<ShardProcessor>().ProcessAsync(shard, CancellationToken.None));
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await db.Results.CountAsync(r => r.JobId == job));
    }

    [Fact]
    public async Task A_model_outside_the_model_root_fails_the_shard_not_the_worker()
    {
        using var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        var (services, _, shard) = await SetUpAsync(workspace);
        await using var __ = services;
        var error = await Assert.ThrowsAsync<ShardFailureException>(() =>
            services.GetRequiredService<ShardProcessor>()
                .ProcessAsync(shard with { Model = new ModelReference("../../etc") }, CancellationToken.None));
        Assert.Contains("outside the model root", error.Message);
    }

    [Fact]
    public async Task A_model_package_linked_from_outside_the_model_root_fails_the_shard_and_one_linked_inside_works()
    {
        using var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        var (services, _, shard) = await SetUpAsync(workspace);
        await using var __ = services;
        var outside = Path.Combine(workspace.Root, "outside-model");
        Directory.Move(Path.Combine(workspace.ModelRoot, "shapes-model"), outside);
        Directory.CreateSymbolicLink(Path.Combine(workspace.ModelRoot, "escape"), outside);
        var processor = services.GetRequiredService<ShardProcessor>();
        var error = await Assert.ThrowsAsync<ShardFailureException>(() =>
            processor.ProcessAsync(shard with { Model = new ModelReference("escape") }, CancellationToken.None));
        Assert.Contains("outside the model root through a symbolic link", error.Message);

        Directory.Move(outside, Path.Combine(workspace.ModelRoot, "v2"));
        Directory.CreateSymbolicLink(Path.Combine(workspace.ModelRoot, "current"), "v2");
        var outcome = await processor.ProcessAsync(shard with { Model = new ModelReference("current") }, CancellationToken.None);
        Assert.Equal((1, 0), (outcome.Succeeded, outcome.Failed));
    }

    [Fact]
    public async Task A_shard_whose_items_all_failed_at_enumeration_completes_with_nothing_to_do()
    {
        using var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        var (services, _, shard) = await SetUpAsync(workspace);
        await using var _ = services;
        var outcome = await services.GetRequiredService<ShardProcessor>().ProcessAsync(shard with { Items = [] }, CancellationToken.None);
        Assert.Equal((0, 0, 0), (outcome.Succeeded, outcome.Failed, outcome.Results));
    }

    [Fact]
    public async Task An_image_smaller_than_the_models_crop_is_zero_padded_as_torchvision_crops_it_not_refused()
    {
        using var workspace = new DemoWorkspace(images: 3, withBadItems: false);
        var json = Path.Combine(workspace.ModelRoot, "shapes-model", "model.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"preprocess\": {", "\"preprocess\": { \"centerCrop\": [100, 100],"));
        var (services, job, shard) = await SetUpAsync(workspace);
        await using var _ = services;
        var outcome = await services.GetRequiredService<ShardProcessor>().ProcessAsync(shard, CancellationToken.None);
        Assert.Equal((3, 0), (outcome.Succeeded, outcome.Failed));
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.ItemErrors.Where(e => e.JobId == job).ToListAsync());
    }

    [Fact]
    public async Task An_image_whose_model_input_would_exceed_the_limit_is_an_item_error_and_the_rest_is_explained()
    {
        using var workspace = new DemoWorkspace(images: 2, withBadItems: false);
        // The demo package does not resize: a 2100×2100 image would be a 4.4-megapixel model input.
        using (var bitmap = new SKBitmap(2100, 2100))
        {
            bitmap.Erase(SKColors.Gray);
            using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(workspace.DataRoot, "shapes", "images", "wide.png"), png.ToArray());
        }
        File.AppendAllText(Path.Combine(workspace.DataRoot, "shapes", "manifest.csv"), "images/wide.png,circle,,,,\n");
        var (services, job, shard) = await SetUpAsync(workspace);
        await using var _ = services;
        var outcome = await services.GetRequiredService<ShardProcessor>()
            .ProcessAsync(shard with { Methods = [new MethodSpec("cam")] }, CancellationToken.None);
        Assert.Equal((2, 1, 2), (outcome.Succeeded, outcome.Failed, outcome.Results));
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var error = await db.ItemErrors.SingleAsync(e => e.JobId == job);
        Assert.Equal(("preprocess", 2L), (error.Stage, error.ItemNumber));
        Assert.Contains("above the limit", error.Message);
    }

    [Fact]
    public async Task Cam_asked_of_a_vision_transformer_fails_for_the_whole_job_with_the_reason_while_ScoreCam_explains_the_shard()
    {
        using var workspace = new DemoWorkspace(images: 2, withBadItems: false);
        var package = Path.Combine(workspace.ModelRoot, "vit");
        Directory.CreateDirectory(package);
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "tests", "Cam.Engine.Tests", "Fixtures", "modern", "vit_scripted")))
            File.Copy(file, Path.Combine(package, Path.GetFileName(file)));
        var (services, job, shard) = await SetUpAsync(workspace);
        await using var _ = services;
        var vitShard = shard with { Model = new ModelReference("vit"), Methods = [new MethodSpec("scorecam"), new MethodSpec("cam")] };

        // CAM alone: nothing can run, the shard fails before any image with the reason.
        var error = await Assert.ThrowsAsync<ShardFailureException>(() =>
            services.GetRequiredService<ShardProcessor>().ProcessAsync(vitShard with { Methods = [new MethodSpec("cam")] }, CancellationToken.None));
        Assert.Contains("model 'vit'", error.Message);
        Assert.Contains("CAM does not apply", error.Message);
        Assert.Contains("class token", error.Message);

        // With Score-CAM: Score-CAM explains the shard, CAM's failure is one error of the whole job.
        var outcome = await services.GetRequiredService<ShardProcessor>().ProcessAsync(vitShard, CancellationToken.None);
        Assert.Equal((2, 0, 2), (outcome.Succeeded, outcome.Failed, outcome.Results));
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var result = await db.Results.SingleAsync(r => r.JobId == job && r.ItemNumber == 0);
        Assert.Equal(("encoder.layers.encoder_layer_2.ln_1", 4, 4), (result.Layer, result.MapHeight, result.MapWidth));
        var camError = await db.ItemErrors.SingleAsync(e => e.JobId == job);
        Assert.Equal(("cam", (long?)null), (camError.Method, camError.ItemNumber));
        Assert.Equal(error.Message, camError.Message);
    }
}
