using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Cam.Engine;
using Cam.Scheduler.Telemetry;
using Cam.Worker;
using Cam.Worker.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cam.Jobs.Tests;

/// <summary>Every instrument Cam's code defines, and the names Prometheus scrapes them under.</summary>
internal static class CamInstruments
{
    public static readonly string[] Meters = [SchedulerTelemetry.Name, WorkerTelemetry.Name, EngineTelemetry.Name];

    /// <summary>The instruments of Cam's meters, the observable gauges (created by their services) included.</summary>
    public static IReadOnlyList<Instrument> All()
    {
        _ = (SchedulerTelemetry.Meter, WorkerTelemetry.Meter, EngineTelemetry.Meter);
        using var gauges = new SchedulerGauges(null!, NullLogger<SchedulerGauges>.Instance);
        using var memory = new DeviceMemoryGauges(new WorkerSettings());
        var found = new List<Instrument>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (Meters.Contains(instrument.Meter.Name)) found.Add(instrument);
        };
        listener.Start();
        return found.DistinctBy(i => i.Name).ToList();
    }

    /// <summary>
    /// The series names OpenTelemetry's Prometheus exporter writes for <paramref name="instrument"/>: dots as
    /// underscores, the unit appended (annotations such as <c>{item}</c> dropped; s → seconds, By → bytes), counters
    /// ending in <c>_total</c>, histograms as <c>_bucket</c>, <c>_sum</c> and <c>_count</c>.
    /// </summary>
    public static IEnumerable<string> PrometheusNames(Instrument instrument)
    {
        var name = Regex.Replace(instrument.Name, "[^a-zA-Z0-9_]", "_");
        var unit = Regex.Replace(instrument.Unit ?? "", @"\{[^}]*\}", "") switch
        {
            "s" => "seconds",
            "By" => "bytes",
            "" => null,
            var other => other,
        };
        if (unit is not null && !name.EndsWith("_" + unit, StringComparison.Ordinal)) name += "_" + unit;
        var type = instrument.GetType().GetGenericTypeDefinition();
        if (type == typeof(Counter<>) || type == typeof(ObservableCounter<>)) return [name + "_total"];
        if (type == typeof(Histogram<>)) return [name + "_bucket", name + "_sum", name + "_count"];
        return [name];
    }

    /// <summary>Attribute keys as Prometheus labels.</summary>
    public static string Label(string attribute) => attribute.Replace('.', '_');
}
