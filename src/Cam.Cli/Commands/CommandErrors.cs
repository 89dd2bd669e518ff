using Cam.Engine.Models;
using Cam.Engine.Tensors;

namespace Cam.Cli.Commands;

/// <summary>Turns the errors a user can cause into one clear line and a non-zero exit code.</summary>
internal static class CommandErrors
{
    public const int UsageError = 2;
    public const int Failure = 1;
    /// <summary>Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException
                                      or SafeTensorsException or WeightMismatchException or InvalidOperationException
                                      or FormatException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return e is ArgumentException or FormatException ? UsageError : Failure;
        }
    }

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException
                                      or SafeTensorsException or WeightMismatchException or InvalidOperationException
                                      or FormatException or IOException or UnauthorizedAccessException or HttpRequestException
                                      or Cam.Client.CamApiException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return e is ArgumentException or FormatException ? UsageError : Failure;
        }
    }
}
