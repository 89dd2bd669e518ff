namespace Cam.IntegrationTests.Infrastructure;

/// <summary>
/// Where the integration tests get their services and programs from. By default Testcontainers starts the official
/// <c>postgres</c> and <c>rabbitmq</c> images; <c>CAM_TEST_POSTGRES_IMAGE</c> / <c>CAM_TEST_RABBITMQ_IMAGE</c> name
/// other images (the ones <c>build/test-images/build.sh</c> makes from Debian's packages), and
/// <c>CAM_IT_POSTGRES</c> / <c>CAM_IT_RABBITMQ</c> point the tests at running services instead of containers.
/// </summary>
public static class TestEnvironment
{
    public const string PostgresImageVariable = "CAM_TEST_POSTGRES_IMAGE";
    public const string RabbitMqImageVariable = "CAM_TEST_RABBITMQ_IMAGE";
    public const string ExternalPostgresVariable = "CAM_IT_POSTGRES";
    public const string ExternalRabbitMqVariable = "CAM_IT_RABBITMQ";

    public static string PostgresImage => Variable(PostgresImageVariable) ?? "postgres:15";
    public static string RabbitMqImage => Variable(RabbitMqImageVariable) ?? "rabbitmq:3.13";
    public static string? ExternalPostgres => Variable(ExternalPostgresVariable);
    public static string? ExternalRabbitMq => Variable(ExternalRabbitMqVariable);
    public static bool UsesLocalImages => Variable(PostgresImageVariable) is not null || Variable(RabbitMqImageVariable) is not null;

    /// <summary>The folder holding Cam.sln.</summary>
    public static string RepositoryRoot => Cam.Tests.Shared.RepositoryRoot.Path;

    /// <summary>Debug or Release: the configuration these tests were built with, which the programs they start share.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string Dotnet => Variable("DOTNET_HOST_PATH") ?? "dotnet";

    public static string ProgramPath(string project) =>
        Path.Combine(RepositoryRoot, "src", project, "bin", Configuration, "net10.0", project + ".dll");

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
