using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using OneMcp.Application.Diagnostics;

namespace OneMcp.Infrastructure.Diagnostics;

/// <summary>
/// The Prometheus text exposition (format 0.0.4) of this gateway's meter, kept by a <see cref="MeterListener"/>
/// (ADR 0014: the OpenTelemetry Prometheus exporter is a beta and listens to every meter of the name in the
/// process; this reads exactly this gateway's instruments). Counters, gauges and histograms with cumulative
/// <c>_bucket</c>, <c>_sum</c> and <c>_count</c>. Exists only with <c>--metrics</c>.
/// </summary>
public sealed class PrometheusMetrics : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Family> _families = new();
    private readonly Lock _scrape = new();

    public PrometheusMetrics(GatewayTelemetry telemetry)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        var meter = telemetry.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                _families[instrument] = new Family(instrument);
                listener.EnableMeasurementEvents(instrument, _families[instrument]);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments now and writes every family.</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            foreach (var family in _families.Values.Where(f => f.Observable))
            {
                // An observable reports the current set: a removed backend must disappear, not stay at its last value.
                family.Clear();
            }

            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                family.Write(text);
            }

            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder("{");
        foreach (var tag in tags)
        {
            text.Append(tag.Key).Append("=\"").Append(Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty)).Append("\",");
        }

        text.Length--;
        return text.Append('}').ToString();
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>One instrument: its series by label set.</summary>
    private sealed class Family(Instrument instrument)
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
        private readonly double[] _buckets = instrument is Histogram<double> histogram
            ? [.. histogram.Advice?.HistogramBucketBoundaries ?? DefaultBuckets]
            : [];

        public string Name { get; } = instrument.Name;

        public bool Observable { get; } = instrument.IsObservable;

        private string Type => instrument switch
        {
            Histogram<double> => "histogram",
            Counter<long> or ObservableCounter<int> or ObservableCounter<long> => "counter",
            _ => "gauge",
        };

        public void Clear() => _series.Clear();

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = _series.GetOrAdd(Labels(Sorted(tags)), _ => new Series(_buckets.Length));
            lock (series)
            {
                if (_buckets.Length > 0)
                {
                    var index = Array.FindIndex(_buckets, bound => value <= bound);
                    series.Buckets[index < 0 ? _buckets.Length : index]++;
                    series.Sum += value;
                    series.Count++;
                }
                else if (instrument is Counter<long>)
                {
                    series.Value += value;
                }
                else
                {
                    // Observable counters and gauges report the current value itself.
                    series.Value = value;
                }
            }
        }

        public void Write(StringBuilder text)
        {
            if (instrument.Description is { Length: > 0 } help)
            {
                text.Append("# HELP ").Append(Name).Append(' ').Append(help.Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
            }

            text.Append("# TYPE ").Append(Name).Append(' ').Append(Type).Append('\n');
            foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (_buckets.Length == 0)
                    {
                        text.Append(Name).Append(labels).Append(' ').Append(Number(series.Value)).Append('\n');
                        continue;
                    }

                    long cumulative = 0;
                    for (var i = 0; i <= _buckets.Length; i++)
                    {
                        cumulative += series.Buckets[i];
                        var le = $"le=\"{Number(i < _buckets.Length ? _buckets[i] : double.PositiveInfinity)}\"";
                        text.Append(Name).Append("_bucket").Append(WithLabel(labels, le)).Append(' ').Append(cumulative).Append('\n');
                    }

                    text.Append(Name).Append("_sum").Append(labels).Append(' ').Append(Number(series.Sum)).Append('\n');
                    text.Append(Name).Append("_count").Append(labels).Append(' ').Append(series.Count).Append('\n');
                }
            }
        }

        private static string WithLabel(string labels, string label) =>
            labels.Length == 0 ? $"{{{label}}}" : $"{labels[..^1]},{label}}}";

        private static KeyValuePair<string, object?>[] Sorted(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // One label set is one series whatever order the tags were given in.
            var sorted = tags.ToArray();
            Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return sorted;
        }
    }

    private sealed class Series(int buckets)
    {
        public double Value { get; set; }

        public long[] Buckets { get; } = new long[buckets + 1];

        public double Sum { get; set; }

        public long Count { get; set; }
    }
}
