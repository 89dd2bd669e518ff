using Cam.Storage;

namespace Cam.Worker;

/// <summary>
/// Renews a claim while its shard is worked on. When the claim turns out to be gone (the job was cancelled, or the
/// shard given to another attempt), <see cref="Token"/> is cancelled so that the work stops. A renewal that fails
/// on a database error is tried again at the next beat.
/// </summary>
public sealed class ShardHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource stop;
    private readonly Task loop;

    public ShardHeartbeat(ShardLifecycle claims, ShardClaim claim, TimeSpan interval, ILogger logger, CancellationToken work)
    {
        stop = CancellationTokenSource.CreateLinkedTokenSource(work);
        loop = Task.Run(() => BeatAsync(claims, claim, interval, logger));
    }

    /// <summary>Cancelled when the claim is lost, or when the work it was linked to is cancelled.</summary>
    public CancellationToken Token => stop.Token;

    public bool Lost { get; private set; }

    private async Task BeatAsync(ShardLifecycle claims, ShardClaim claim, TimeSpan interval, ILogger logger)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                try
                {
                    if (await claims.TryRenewClaimAsync(claim, stop.Token)) continue;
                    Lost = true;
                    await stop.CancelAsync();
                    return;
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    logger.LogWarning("shard {Job}/{Shard}: the claim could not be renewed, trying again: {Reason}", claim.JobId, claim.ShardNumber,
                        e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested) await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }
}
