using System.Diagnostics;
using System.Text.Json.Nodes;
using Cam.Tests.Shared;

namespace Cam.Export.Tests;

/// <summary>
/// Reads an exported file with DuckDB (npm's <c>@duckdb/node-api</c>, prebuilt bindings; duckdb/read-parquet.mjs):
/// a Parquet implementation other than the one that wrote it. Installs the package on first use (<c>npm ci</c>).
/// </summary>
internal static class DuckDbReader
{
    private static readonly string Folder = Path.Combine(RepositoryRoot.Path, "tests", "Cam.Export.Tests", "duckdb");
    private static readonly SemaphoreSlim Install = new(1, 1);

    public sealed record Table(IReadOnlyDictionary<string, string> Types, int RowGroups, IReadOnlyList<JsonObject> Rows);

    public static async Task<Table> ReadAsync(string file)
    {
        await EnsureInstalledAsync();
        var output = await RunAsync("node", ["read-parquet.mjs", file], TimeSpan.FromMinutes(3));
        var json = JsonNode.Parse(output)!.AsObject();
        var types = json["columns"]!.AsArray().ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!["type"]!.GetValue<string>());
        return new Table(types, json["rowGroups"]!.GetValue<int>(), json["rows"]!.AsArray().Select(r => r!.AsObject()).ToList());
    }

    private static async Task EnsureInstalledAsync()
    {
        await Install.WaitAsync();
        try
        {
            if (!File.Exists(Path.Combine(Folder, "node_modules", "@duckdb", "node-api", "package.json")))
                await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5));
        }
        finally
        {
            Install.Release();
        }
    }

    private static async Task<string> RunAsync(string program, string[] arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} took over {limit}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
