using Cam.Export;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Cli.Commands;

/// <summary><c>cam export JOB --out DIR</c>: a job's results and errors as Parquet (or CSV) files, streamed from SQLite or PostgreSQL.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var (job, db, postgres) = (StoreArguments.Job(), StoreArguments.Db(), StoreArguments.Postgres());
        var output = new Option<string>("--out")
        {
            Description = "folder to write results.* and item_errors.* into (created if missing)", Required = true
        };
        var format = new Option<string>("--format") { Description = "parquet or csv", DefaultValueFactory = _ => "parquet" };
        var maps = new Option<string>("--maps")
        {
            Description = "none, values (a list<float> column with map_height and map_width) or png (one grey PNG per map under maps/)",
            DefaultValueFactory = _ => "values",
        };
        var modelRoot = StoreArguments.ModelRoot("the job's model path is relative to, for class names");
        var rowGroup = new Option<int>("--row-group") { Description = "rows per Parquet row group", DefaultValueFactory = _ => 65_536 };
        var command = new Command("export", "write a job's results and item errors as Parquet (or CSV) for pandas, DuckDB, Polars, Spark")
        {
            job, db, postgres, output, format, maps, modelRoot, rowGroup,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var rows = parse.GetValue(rowGroup);
            if (rows <= 0) throw new ArgumentException($"--row-group {rows} is not positive");
            var options = new ExportOptions
            {
                Format = ExportOptions.ParseFormat(parse.GetValue(format)!),
                Maps = ExportOptions.ParseMaps(parse.GetValue(maps)!),
                ModelRoot = StoreArguments.ModelRootOf(parse, modelRoot),
                RowGroupRows = rows,
            };
            var storage = StoreArguments.Storage(parse.GetValue(db), parse.GetValue(postgres));
            await using var services = new ServiceCollection().AddCamStorage(storage).BuildServiceProvider();
            var exporter = new JobExporter(services.GetRequiredService<IDbContextFactory<CamDbContext>>(), options);
            var summary = await exporter.ExportAsync(parse.GetValue(job), Path.GetFullPath(parse.GetValue(output)!), ct: ct);
            var seconds = Math.Max(summary.Elapsed.TotalSeconds, 1e-3);
            Console.WriteLine($"results {summary.Results}: {summary.ResultRows} rows");
            Console.WriteLine($"errors  {summary.Errors}: {summary.ErrorRows} rows");
            Console.WriteLine($"{summary.Elapsed.TotalSeconds:F1} s, {summary.ResultRows / seconds:F0} results/s");
            return 0;
        }));
        return command;
    }
}
