namespace Cam.Scheduler;

/// <summary>
/// The loop of the scheduler's periodic background services: a round, then a pause of the interval, until the service
/// stops. A failed round (anything but the stop itself, a database timeout or a client's cancellation included) goes
/// to <c>failed</c> and the loop carries on: a loop that ended would leave its work undone for good.
/// </summary>
public static class BackgroundRounds
{
    public static async Task RunAsync(Func<CancellationToken, Task> round, TimeSpan interval, Action<Exception> failed,
        CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await round(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                failed(e);
            }
            await Task.Delay(interval, stoppingToken);
        }
    }
}
