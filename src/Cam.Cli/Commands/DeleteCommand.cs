using Cam.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Cli.Commands;

/// <summary><c>cam delete JOB</c>: removes a job and all it stored from SQLite or PostgreSQL (a running job is cancelled first).</summary>
internal static class DeleteCommand
{
    public static Command Create()
    {
        var job = StoreArguments.Job();
        var db = StoreArguments.Db("SQLite results database of an embedded run");
        var postgres = StoreArguments.Postgres();
        var command = new Command("delete", "delete a job and its items, results and errors (reports and exports written from it stay)")
        {
            job, db, postgres,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var storage = StoreArguments.Storage(parse.GetValue(db), parse.GetValue(postgres));
            await using var services = new ServiceCollection().AddCamStorage(storage).BuildServiceProvider();
            var started = System.Diagnostics.Stopwatch.StartNew();
            var deleted = await services.GetRequiredService<JobDeletion>().DeleteAsync(parse.GetValue(job), ct)
                          ?? throw new ArgumentException($"no job {parse.GetValue(job)} in this database");
            Console.WriteLine($"deleted job {deleted.JobId}{(deleted.Cancelled ? " (it was running: cancelled first)" : "")} " +
                              $"in {started.Elapsed.TotalSeconds:F2} s");
            return 0;
        }));
        return command;
    }
}
