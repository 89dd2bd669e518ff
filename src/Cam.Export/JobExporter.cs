using Cam.Specs;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;

namespace Cam.Export;

/// <summary>What an export wrote.</summary>
public sealed record ExportSummary(string Results, long ResultRows, string Errors, long ErrorRows, TimeSpan Elapsed);

/// <summary>
/// Writes a job's results and errors as two tables (<c>results</c>, <c>item_errors</c>) in Parquet or CSV,
/// streaming: the database sends rows as the writer takes them, and the writer holds one row group.
/// </summary>
public sealed class JobExporter(IDbContextFactory<CamDbContext> factory, ExportOptions options)
{
    /// <summary>Writes <c>results.*</c> and <c>item_errors.*</c> (and with PNG maps, <c>maps/</c>) into <paramref name="directory"/>.</summary>
    public async Task<ExportSummary> ExportAsync(Guid jobId, string directory, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await EnsureJobAsync(jobId, ct);
        Directory.CreateDirectory(directory);
        var extension = options.Format == ExportFormat.Parquet ? "parquet" : "csv";
        var (results, errors) = (Path.Combine(directory, $"results.{extension}"), Path.Combine(directory, $"item_errors.{extension}"));
        long resultRows, errorRows;
        await using (var stream = File.Create(results))
            resultRows = await WriteResultsAsync(jobId, stream, directory, progress, ct);
        await using (var stream = File.Create(errors))
            errorRows = await WriteErrorsAsync(jobId, stream, ct);
        return new ExportSummary(results, resultRows, errors, errorRows, started.Elapsed);
    }

    /// <summary>The results table to <paramref name="stream"/>; PNG maps, when asked for, under <paramref name="directory"/>.</summary>
    public async Task<long> WriteResultsAsync(Guid jobId, Stream stream, string? directory, IProgress<long>? progress = null,
        CancellationToken ct = default)
    {
        if (options.Maps == MapExport.Png && directory is null) throw new ArgumentException("PNG maps need a folder to be written to");
        await using var db = await factory.CreateDbContextAsync(ct);
        var labels = await ClassNamesAsync(db, jobId, ct);
        var source = new ExportSource(db, jobId);
        var metaKeys = await source.CommonMetaKeysAsync(ct);
        var meta = new MetaValues(metaKeys);
        await using var writer = await TableWriter<ResultRecord>.CreateAsync(stream, ResultColumns.For(metaKeys, options.Maps), options.Format,
            options.RowGroupRows, options.RowGroupMapValues, ct);
        var pngValues = new float[256];
        await foreach (var row in source.ResultsAsync(options.Maps != MapExport.None, ct))
        {
            row.MetaValues = meta.Of(row.Item, row.Meta);
            row.ClassName = row.ClassIndex >= 0 && row.ClassIndex < labels.Count ? labels[row.ClassIndex] : null;
            if (options.Maps == MapExport.Png)
            {
                row.MapPng = MapPng.RelativePath(row);
                var count = MapCodec.ValueCount(row.Map.Span);
                if (pngValues.Length < count) pngValues = new float[count];
                MapCodec.DecodeInto(row.Map.Span, pngValues.AsSpan(0, count));
                MapPng.Write(Path.Combine(directory!, row.MapPng), pngValues.AsSpan(0, count), row.MapHeight, row.MapWidth);
            }
            await writer.AddAsync(row, ct);
            if (writer.Rows % 65_536 == 0) progress?.Report(writer.Rows);
        }
        await writer.CompleteAsync(ct);
        progress?.Report(writer.Rows);
        return writer.Rows;
    }

    public async Task<long> WriteErrorsAsync(Guid jobId, Stream stream, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var writer = await TableWriter<ErrorRecord>.CreateAsync(stream, ResultColumns.Errors(), options.Format,
            options.RowGroupRows, options.RowGroupMapValues, ct);
        await foreach (var error in new ExportSource(db, jobId).ErrorsAsync(ct)) await writer.AddAsync(error, ct);
        await writer.CompleteAsync(ct);
        return writer.Rows;
    }

    private async Task EnsureJobAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        if (await new ExportSource(db, jobId).JobSpecAsync(ct) is null)
            throw new ArgumentException($"no job {jobId} in this database");
    }

    /// <summary>The labels of the job's model (its <c>model.json</c>), or none when the package cannot be read here.</summary>
    private async Task<IReadOnlyList<string>> ClassNamesAsync(CamDbContext db, Guid jobId, CancellationToken ct)
    {
        var spec = await new ExportSource(db, jobId).JobSpecAsync(ct)
                   ?? throw new ArgumentException($"no job {jobId} in this database");
        try
        {
            return ModelManifestReader.Read(Path.Combine(options.ModelRoot, StoredJobSpec.Read(jobId, spec).Model)).Labels;
        }
        catch (Exception e) when (e is ModelPackageException or IOException or UnauthorizedAccessException
                                      or System.Text.Json.JsonException or InvalidOperationException or InvalidDataException)
        {
            return [];
        }
    }
}
