using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Audit;

namespace OneMcp.Infrastructure.Audit;

/// <summary>
/// The audit log's hand-off: a bounded in-memory queue that <see cref="AuditWriter"/> empties into the database in
/// batches. <see cref="Record"/> is a non-blocking <c>TryWrite</c>: when the queue is full (the store is slow or down)
/// the entry is dropped and counted, and a warning says so at most once per <see cref="AuditOptions.DropWarningInterval"/>.
/// </summary>
public sealed partial class ChannelAuditLog : IAuditLog, IAuditLogStatistics
{
    private readonly Channel<AuditEntry> _channel;
    private readonly TimeProvider _time;
    private readonly ILogger<ChannelAuditLog> _logger;
    private readonly long _warningIntervalTicks;
    private long _dropped;
    private long _droppedAtLastWarning;
    private long _lastWarningTimestamp;

    public ChannelAuditLog(AuditOptions options, TimeProvider time, ILogger<ChannelAuditLog> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _logger = logger;
        _warningIntervalTicks = (long)(options.DropWarningInterval.TotalSeconds * time.TimestampFrequency);
        _lastWarningTimestamp = time.GetTimestamp() - _warningIntervalTicks;

        // Wait mode only decides what TryWrite does when full (it returns false); nothing here ever waits.
        _channel = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    internal ChannelReader<AuditEntry> Reader => _channel.Reader;

    public void Record(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);

        // Its identity is fixed here, once: however often the writer has to send its batch, it is stored once.
        if (_channel.Writer.TryWrite(entry.WithKey()))
        {
            return;
        }

        Interlocked.Increment(ref _dropped);
        WarnAboutDrops();
    }

    /// <summary>No more entries (the host is stopping): the writer drains what is queued and ends.</summary>
    internal void Complete() => _channel.Writer.TryComplete();

    private void WarnAboutDrops()
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarningTimestamp);
        if (now - last < _warningIntervalTicks || Interlocked.CompareExchange(ref _lastWarningTimestamp, now, last) != last)
        {
            return;
        }

        var total = Dropped;
        var since = total - Interlocked.Exchange(ref _droppedAtLastWarning, total);
        LogDropped(_logger, since, total);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The audit log queue is full: {Dropped} entries dropped since the last warning ({Total} since start-up)")]
    private static partial void LogDropped(ILogger logger, long dropped, long total);
}
