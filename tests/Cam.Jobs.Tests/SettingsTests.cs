using System.Text.RegularExpressions;
using Cam.Cli;
using Cam.Contracts;
using Cam.Tests.Shared;
using Cam.Scheduler;
using Cam.Worker;
using Microsoft.Extensions.Configuration;

namespace Cam.Jobs.Tests;

/// <summary>The scheduler's and the worker's settings are read once at start-up; a malformed value stops the process naming it.</summary>
public class SettingsTests
{
    public static TheoryData<string> SchedulerNumbers() =>
        new() { "CAM_MAX_OUTSTANDING_SHARDS", "CAM_SHARD_QUEUE_TIMEOUT_SECONDS", "CAM_SHARD_MAX_ATTEMPTS", "CAM_SHARD_SIZE" };

    public static TheoryData<string> WorkerNumbers() => new()
    {
        "CAM_WORKER_CONCURRENCY", "CAM_WORKER_BATCH_SIZE", "CAM_WORKER_BATCH_MEGAPIXELS", "CAM_WORKER_STOP_TIMEOUT_SECONDS",
            "CAM_SHARD_LEASE_SECONDS",
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

        var worker = WorkerSettings.From(Configuration(("CAM_WORKER_BATCH_MEGAPIXELS", "3"), ("CAM_WORKER_NOOP", "true"),
            ("CAM_SHARD_LEASE_SECONDS", "30")));
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
        error = Assert.Throws<InvalidSettingException>(() =>
            WorkerSettings.From(Configuration(("CAM_WORKER_FAST_DECODE", "fast"))));
        Assert.StartsWith("CAM_WORKER_FAST_DECODE: 'fast'", error.Message);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    public void Every_flag_of_every_role_accepts_true_false_1_and_0(string text, bool expected)
    {
        var scheduler = SchedulerSettings.From(Configuration(("CAM_MIGRATE_ON_START", text), ("CAM_API_KEY_DISABLED", text)));
        var worker = WorkerSettings.From(Configuration(("CAM_WORKER_NOOP", text), ("CAM_WORKER_CHANNELS_LAST", text),
            ("CAM_WORKER_FAST_DECODE", text)));
        var cli = CliSettings.From(name => name == "CAM_LOG" ? text : null);
        Assert.Equal([expected, expected, expected, expected, expected, expected],
            new[]
            {
                scheduler.MigrateOnStart, scheduler.ApiKeyDisabled, worker.NoOpExplainer, worker.Precision is not null,
                worker.FastDecode, cli.Log,
            });
    }

    [Theory]
    [InlineData("CAM_RABBITMQ", "rabbitmq:5672")]
    [InlineData("CAM_RABBITMQ", "http://rabbitmq:5672/")]
    [InlineData("CAM_SCHEDULER_URL", "localhost:8080")]
    public void A_url_that_is_not_absolute_with_the_expected_scheme_is_refused_naming_the_variable(string name, string bad)
    {
        var error = Assert.Throws<InvalidSettingException>(() =>
        {
            SchedulerSettings.From(n => n == name ? bad : null);
            CliSettings.From(n => n == name ? bad : null);
        });
        Assert.StartsWith($"{name}: '{bad}'", error.Message);
    }

    [Fact]
    public void The_conventions_table_lists_exactly_the_variables_the_three_settings_records_read()
    {
        var read = new SortedSet<string>(StringComparer.Ordinal);
        string? Record(string name)
        {
            read.Add(name);
            return null;
        }
        SchedulerSettings.From(Record);
        WorkerSettings.From(Record);
        CliSettings.From(Record);

        var table = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", "conventions.md"))
            .SkipWhile(l => !l.StartsWith("## Environment")).Skip(1).TakeWhile(l => !l.StartsWith("## "))
            .Select(l => Regex.Match(l, @"^\| `(CAM_[A-Z0-9_]+)` \|")).Where(m => m.Success).Select(m => m.Groups[1].Value);
        Assert.Equal(read, new SortedSet<string>(table, StringComparer.Ordinal));
    }

    [Fact]
    public void No_source_file_but_the_settings_records_reads_a_cam_variable()
    {
        var records = new[] { "SchedulerSettings.cs", "WorkerSettings.cs", "CliSettings.cs" };
        var readers = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !records.Contains(Path.GetFileName(f)))
            .Where(f => Regex.IsMatch(File.ReadAllText(f), @"GetEnvironmentVariable\(""CAM_|config(uration)?\[""CAM_|values\.\w+\(""CAM_"))
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f));
        Assert.Empty(readers);
    }

    /// <summary>Configuration holding exactly these values, as environment variables would.</summary>
    internal static IConfiguration Configuration(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
