using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Cam.Jobs.Tests;

/// <summary>
/// Sums what Cam's meters record, per instrument and attribute set, through a <see cref="MeterListener"/> (what the
/// OpenTelemetry SDK itself listens with). Meters are process-wide, so a test filters by its job's id.
/// </summary>
public sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, double> sums = new();

    public MeasurementRecorder(params string[] meters)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (meters.Contains(instrument.Meter.Name)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.Start();
    }

    /// <summary>The sum of <paramref name="instrument"/>'s measurements whose attributes include all of <paramref name="attributes"/>.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] attributes) =>
        sums.Where(s => s.Key.Split('|')[0] == instrument && attributes.All(a => s.Key.Contains($"|{a.Key}={a.Value}|")))
            .Sum(s => s.Value);

    /// <summary>Observable instruments report when collected.</summary>
    public void Collect() => listener.RecordObservableInstruments();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = instrument.Name + "|" + string.Concat(tags.ToArray().OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}|"));
        sums.AddOrUpdate(key, value, (_, old) => old + value);
    }

    public void Dispose() => listener.Dispose();
}
