using Cam.Contracts;
using Cam.Scheduler;
using Cam.Worker;
using Microsoft.Extensions.Configuration;

namespace Cam.Jobs.Tests;

/// <summary>The scheduler's and the worker's settings are read once at start-up; a malformed value stops the process naming it.</summary>
public class SettingsTests
{
    public static TheoryData<string> SchedulerNumbers() => new() { "CAM_MAX_OUTSTANDING_SHARDS", "CAM_SHARD_QUEUE_TIMEOUT_SECONDS", "CAM_SHARD_MAX_ATTEMPTS", "CAM_SHARD_SIZE" };

    public static TheoryData<string> WorkerNumbers() => new()
    {
        "CAM_WORKER_CONCURRENCY", "CAM_WORKER_BATCH_SIZE", "CAM_WORKER_BATCH_MEGAPIXELS", "CAM_WORKER_STOP_TIMEOUT_SECONDS", "CAM_SHARD_LEASE_SECONDS",
        "CAM_MODEL_CACHE_SIZE",
    };

    [Theory]
    [MemberData(nameof(SchedulerNumbers))]
    public void A_scheduler_number_that_is_not_a_positive_whole_number_is_refused_naming_the_variable(string name)
    {
        foreach (var bad in new[] { "sixty-four", "0", "-3", "2.5", "1e3", "99999999999" })
        {
            var error = Assert.Throws<InvalidSettingException>(() => SchedulerSettings.From(Configuration((name, bad))));
            Assert.StartsWith($"{name}: '{bad}'", error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(WorkerNumbers))]
    public void A_worker_number_that_is_not_a_positive_whole_number_is_refused_naming_the_variable(string name)
    {
        foreach (var bad in new[] { "sixteen", "0", "-3", "2.5", "99999999999" })
        {
            var error = Assert.Throws<InvalidSettingException>(() => WorkerSettings.From(Configuration((name, bad))));
            Assert.StartsWith($"{name}: '{bad}'", error.Message);
        }
    }

    [Fact]
    public void Set_values_are_read_and_unset_ones_take_their_defaults()
    {
        var scheduler = SchedulerSettings.From(Configuration(("CAM_SHARD_SIZE", "7"), ("CAM_SHARD_QUEUE_TIMEOUT_SECONDS", "90")));
        var defaults = new SchedulerSettings();
        Assert.Equal((7, TimeSpan.FromSeconds(90)), (scheduler.DefaultShardSize, scheduler.QueueTimeout));
        Assert.Equal((defaults.MaxAttempts, defaults.MaxOutstandingShards), (scheduler.MaxAttempts, scheduler.MaxOutstandingShards));

        var worker = WorkerSettings.From(Configuration(("CAM_WORKER_BATCH_MEGAPIXELS", "3"), ("CAM_WORKER_NOOP", "true"), ("CAM_SHARD_LEASE_SECONDS", "30")));
        var workerDefaults = new WorkerSettings();
        Assert.Equal((3_000_000L, true, TimeSpan.FromSeconds(30)), (worker.MaxBatchPixels, worker.NoOpExplainer, worker.Lease));
        Assert.Equal((workerDefaults.BatchSize, workerDefaults.Concurrency, workerDefaults.ModelCacheSize, workerDefaults.StopTimeout),
            (worker.BatchSize, worker.Concurrency, worker.ModelCacheSize, worker.StopTimeout));
    }

    [Fact]
    public void A_flag_that_is_neither_true_nor_false_is_refused_naming_the_variable()
    {
        var error = Assert.Throws<InvalidSettingException>(() => WorkerSettings.From(Configuration(("CAM_WORKER_NOOP", "yes"))));
        Assert.StartsWith("CAM_WORKER_NOOP: 'yes'", error.Message);
    }

    /// <summary>Configuration holding exactly these values, as environment variables would.</summary>
    internal static IConfiguration Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
