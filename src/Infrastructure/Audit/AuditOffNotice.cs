using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OneMcp.Infrastructure.Audit;

/// <summary>
/// Says at every start that the audit log is off (<c>--disable-audit</c>, where <see cref="Application.Audit.NullAuditLog"/>
/// takes entries and keeps none), so that nobody mistakes an empty Activity view for a quiet gateway.
/// </summary>
internal sealed partial class AuditOffNotice(ILogger<AuditOffNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogDisabled(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "The audit log is off (--disable-audit): calls, sign-ins and changes are not recorded")]
    private static partial void LogDisabled(ILogger logger);
}
