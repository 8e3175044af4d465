using Microsoft.Extensions.Logging;
using OneMcp.Infrastructure.Diagnostics;

namespace OneMcp.UnitTests.Diagnostics;

/// <summary>
/// ASP.NET Core starts an activity and a log scope for every request whenever its hosting category logs at any level
/// (it asks <c>IsEnabled(LogLevel.Critical)</c>): the text log turns the category off, so an untraced request costs
/// neither; the JSON log keeps it on, for the trace and span ids its lines carry.
/// </summary>
public sealed class GatewayLoggingTests
{
    [Theory]
    [InlineData(LogLevel.Trace)]
    [InlineData(LogLevel.Information)]
    [InlineData(LogLevel.Warning)]
    public void TheTextLog_TurnsTheHostingCategoryOff_AtEveryLevel(LogLevel level)
    {
        using var loggers = LoggerFactory.Create(logging => logging.AddGatewayConsole(level, LogFormat.Text));

        loggers.CreateLogger(GatewayLogging.HostingDiagnosticsCategory).IsEnabled(LogLevel.Critical).ShouldBeFalse();
        loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(LogLevel.Critical).ShouldBeTrue();
    }

    [Theory]
    [InlineData(LogLevel.Trace)]
    [InlineData(LogLevel.Warning)]
    public void TheJsonLog_KeepsItOnForTheTraceIds_ButNeverBelowWarnings(LogLevel level)
    {
        using var loggers = LoggerFactory.Create(logging => logging.AddGatewayConsole(level, LogFormat.Json));
        var hosting = loggers.CreateLogger(GatewayLogging.HostingDiagnosticsCategory);

        hosting.IsEnabled(LogLevel.Critical).ShouldBeTrue();
        hosting.IsEnabled(LogLevel.Information).ShouldBeFalse();
    }
}
