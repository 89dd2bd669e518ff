using System.Text.Json;
using Cam.IntegrationTests.Infrastructure;
using Cam.Storage;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.IntegrationTests;

/// <summary>
/// README's first command on a fresh Debian 12 that has the .NET SDK and nothing else: a root file system from
/// debootstrap (minbase plus the libraries the SDK itself needs: <c>build/test-images/bare-debian.sh</c>), the SDK's
/// files mounted in, no compiler, patchelf or Python. The NuGet registry is stood in for by this machine's package
/// folder, mounted read-only as the only source, since containers here reach no network.
/// </summary>
public class FreshMachineTests
{
    private const string BareImageVariable = "CAM_TEST_BARE_IMAGE";

    [Fact]
    public async Task The_first_README_command_runs_the_demo_on_a_bare_Debian_12_with_only_the_SDK()
    {
        var image = Environment.GetEnvironmentVariable(BareImageVariable) is { Length: > 0 } i
            ? i
            : throw new InvalidOperationException($"{BareImageVariable} is not set: build the image with " +
                "build/test-images/bare-debian.sh (.ci/run does)");
        var command = FirstReadmeCommand();
        var sdk = Path.GetDirectoryName(Environment.ProcessPath is { } host && Path.GetFileName(host) == "dotnet" ? host
            : "/usr/share/dotnet/dotnet")!;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var output = Directory.CreateTempSubdirectory("cam-fresh-").FullName;
        try
        {
            // The tree as a clone has it (no build outputs), then the command as README gives it.
            var script = string.Join(" && ",
                "mkdir -p /root/.nuget/NuGet /work",
                "printf '<configuration><packageSources><clear /><add key=\"local\" value=\"/nuget\" /></packageSources></configuration>' > " +
                    "/root/.nuget/NuGet/NuGet.Config",
                "cd /src && tar -c --exclude=./.git --exclude='*/bin' --exclude='*/obj' --exclude=./artifacts --exclude=./gpu-kit " +
                    "--exclude=./cam-output . | tar -x -C /work",
                "cd /work",
                "! command -v g++ && ! command -v patchelf && ! command -v python3",
                command,
                "cp -r cam-output /out/");
            await using var container = new ContainerBuilder(image)
                .WithBindMount(TestEnvironment.RepositoryRoot, "/src", AccessMode.ReadOnly)
                .WithBindMount(sdk, "/usr/share/dotnet", AccessMode.ReadOnly)
                .WithBindMount(packages, "/nuget", AccessMode.ReadOnly)
                .WithBindMount(output, "/out", AccessMode.ReadWrite)
                .WithEnvironment("PATH", "/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                .WithEnvironment("NUGET_PACKAGES", "/nuget")
                .WithEnvironment("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
                .WithEnvironment("DOTNET_NOLOGO", "1")
                .WithEntrypoint("bash", "-c", script)
                .Build();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            await container.StartAsync(deadline.Token);
            var exit = await container.GetExitCodeAsync(deadline.Token);
            var (stdout, stderr) = await container.GetLogsAsync(ct: deadline.Token);
            Assert.True(exit == 0, $"`{command}` exited with {exit} on a bare Debian 12:\n{Tail(stdout)}\n{Tail(stderr)}");

            var results = Path.Combine(output, "cam-output");
            Assert.Single(Directory.GetFiles(results, "report-*.html"));
            var database = Assert.Single(Directory.GetFiles(results, "cam-*.db"));
            await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider();
            await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync(deadline.Token);
            var job = await db.Jobs.SingleAsync(deadline.Token);
            var items = File.ReadLines(Path.Combine(TestEnvironment.RepositoryRoot, "samples", "shapes", "manifest.csv")).Skip(1)
                .Count(l => l.Length > 0);
            var methods = JsonDocument.Parse(job.Spec).RootElement.GetProperty("methods").GetArrayLength();
            Assert.Equal(("completed", (long)items), (job.State, job.SucceededItems));
            Assert.Equal(items * methods, await db.Results.CountAsync(r => r.JobId == job.Id, deadline.Token));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>The command under README's "# 1." comment in its quick start.</summary>
    private static string FirstReadmeCommand()
    {
        var lines = File.ReadAllLines(Path.Combine(TestEnvironment.RepositoryRoot, "README.md"));
        var marker = Array.FindIndex(lines, l => l.TrimStart().StartsWith("# 1.", StringComparison.Ordinal));
        Assert.True(marker >= 0, "README has no '# 1.' step in its quick start");
        return lines.Skip(marker + 1).First(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')).Trim();
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
