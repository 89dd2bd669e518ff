namespace Cam.Export;

/// <summary>
/// Lets a Parquet writer write to a stream that cannot seek and refuses synchronous writes (an HTTP response):
/// it reports as its position the bytes written so far (all the writer asks of it), keeps synchronous writes in a
/// buffer, and hands that buffer on at the next asynchronous write or flush. The buffer holds at most what the
/// writer writes synchronously between two of those (a footer, a page).
/// </summary>
public sealed class ForwardOnlyStream(Stream inner) : Stream
{
    private readonly MemoryStream pending = new();
    private long written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => written;

    public override long Position
    {
        get => written;
        set => throw new NotSupportedException("a forward-only stream cannot seek");
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        pending.Write(buffer);
        written += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        await DrainAsync(ct);
        await inner.WriteAsync(buffer, ct);
        written += buffer.Length;
    }

    public override async Task FlushAsync(CancellationToken ct)
    {
        await DrainAsync(ct);
        await inner.FlushAsync(ct);
    }

    /// <summary>Synchronous flushes keep the bytes until the next asynchronous write or flush.</summary>
    public override void Flush()
    {
    }

    private async Task DrainAsync(CancellationToken ct)
    {
        if (pending.Length == 0) return;
        await inner.WriteAsync(pending.GetBuffer().AsMemory(0, (int)pending.Length), ct);
        pending.SetLength(0);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("a forward-only stream cannot be read");
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a forward-only stream cannot seek");
    public override void SetLength(long value) => throw new NotSupportedException("a forward-only stream cannot change length");

    protected override void Dispose(bool disposing)
    {
        if (disposing) pending.Dispose();
        base.Dispose(disposing);
    }
}
