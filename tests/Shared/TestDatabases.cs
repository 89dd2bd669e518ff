using Cam.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Tests.Shared;

/// <summary>
/// A fresh migrated database: SQLite always, PostgreSQL when CAM_TEST_POSTGRES names a server. Linked into the test
/// projects that need it. With CAM_TEST_REQUIRE_POSTGRES=1 (CI sets it) a missing CAM_TEST_POSTGRES fails these tests
/// instead of silently leaving the PostgreSQL cases out.
/// </summary>
public static class TestDatabases
{
    public static TheoryData<string> Providers()
    {
        var data = new TheoryData<string> { "sqlite" };
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CAM_TEST_POSTGRES"))) data.Add("postgres");
        else if (Environment.GetEnvironmentVariable("CAM_TEST_REQUIRE_POSTGRES") == "1")
            throw new InvalidOperationException("CAM_TEST_REQUIRE_POSTGRES=1 but CAM_TEST_POSTGRES names no server: the PostgreSQL " +
                "storage cases cannot run");
        return data;
    }

    public static async Task<(ServiceProvider Services, StorageSettings Settings)> CreateAsync(string provider)
    {
        StorageSettings settings;
        if (provider == "sqlite")
            settings = StorageSettings.SqliteFile(Path.Combine(Path.GetTempPath(), $"cam-test-{Guid.NewGuid():N}.db"));
        else
        {
            var admin = new Npgsql.NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("CAM_TEST_POSTGRES"));
            // On a loaded machine (CI on two shared cores) opening a first connection can take longer than Npgsql's 15 s.
            admin.Timeout = Math.Max(admin.Timeout, 60);
            var name = $"cam_test_{Guid.NewGuid():N}";
            await using (var connection = new Npgsql.NpgsqlConnection(admin.ConnectionString))
            {
                await connection.OpenAsync();
                await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await create.ExecuteNonQueryAsync();
            }
            admin.Database = name;
            settings = StorageSettings.Postgres(admin.ConnectionString);
        }
        var services = new ServiceCollection().AddCamStorage(settings).BuildServiceProvider();
        await services.GetRequiredService<CamMigrator>().MigrateAsync();
        return (services, settings);
    }
}
