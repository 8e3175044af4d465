using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Audit;

namespace OneMcp.Infrastructure.Audit;

/// <summary>
/// The audit log turned off with <c>--disable-audit</c>: nothing is recorded, nothing queued, nothing pruned (entries
/// stored before stay readable through <c>/api/audit</c>). Says so once at start-up, so that nobody mistakes an empty
/// Activity view for a quiet gateway.
/// </summary>
public sealed partial class DisabledAuditLog(ILogger<DisabledAuditLog> logger) : IAuditLog, IAuditLogStatistics, IHostedService
{
    public long Dropped => 0;

    public void Record(AuditEntry entry)
    {
        // Off by the operator's choice: the entry is not kept anywhere.
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogDisabled(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "The audit log is off (--disable-audit): calls, sign-ins and changes are not recorded")]
    private static partial void LogDisabled(ILogger logger);
}
