namespace Cam.Worker;

/// <summary>Where a worker's batches spent their time, summed over its shards (see <see cref="InputWaits"/>).</summary>
/// <param name="Batches">Batches explained.</param>
/// <param name="WaitSeconds">Waiting for the batch's decoded images (the prefetch of the next batch had not finished).</param>
/// <param name="PreprocessSeconds">Resizing, cropping and normalising the batch, on the thread that then explains it.</param>
/// <param name="ComputeSeconds">Running the methods on the batch (the device's work, and what the methods do around it).</param>
public sealed record InputWaitTotals(long Batches, double WaitSeconds, double PreprocessSeconds, double ComputeSeconds)
{
    /// <summary>
    /// The share of the batch loop in which the device had nothing to do:
    /// <c>(wait + preprocess) / (wait + preprocess + compute)</c>; 0 before any batch.
    /// </summary>
    public double IdleShare => WaitSeconds + PreprocessSeconds + ComputeSeconds is var total and > 0 ? (WaitSeconds + PreprocessSeconds) / total : 0;
}

/// <summary>
/// Measures whether decoding keeps up with the device: each batch's wait for its prefetched images, its
/// preprocessing and its methods, summed (thread-safe; a worker's shards share one).
/// </summary>
public sealed class InputWaits
{
    private long batches, wait, preprocess, compute;

    public void Add(TimeSpan waited, TimeSpan preprocessed, TimeSpan computed)
    {
        Interlocked.Increment(ref batches);
        Interlocked.Add(ref wait, waited.Ticks);
        Interlocked.Add(ref preprocess, preprocessed.Ticks);
        Interlocked.Add(ref compute, computed.Ticks);
    }

    public InputWaitTotals Totals() =>
        new(Interlocked.Read(ref batches), Seconds(Interlocked.Read(ref wait)), Seconds(Interlocked.Read(ref preprocess)),
            Seconds(Interlocked.Read(ref compute)));

    private static double Seconds(long ticks) => TimeSpan.FromTicks(ticks).TotalSeconds;
}
