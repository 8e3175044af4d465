using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Audit;
using OneMcp.Infrastructure.Persistence;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Audit;

/// <summary><c>--disable-audit</c>: calls and changes go through, nothing is queued or stored, and the log says so.</summary>
public sealed class DisabledAuditTests
{
    [Fact]
    public async Task CallsAndChanges_WithTheAuditLogOff_SucceedAndLeaveNoEntry_AndTheLogSaysItIsOff()
    {
        var capture = new LogCapture();
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
            adjust: o => o with { AuditEnabled = false },
            configureBuilder: b => b.Logging.AddProvider(capture));
        var client = await gateway.ConnectAsync();

        (await client.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "hi" })).IsError.ShouldNotBe(true);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var disabled = await http.PostAsync("/api/backends/alpha/disable", null);

        disabled.IsSuccessStatusCode.ShouldBeTrue(await disabled.Content.ReadAsStringAsync());
        gateway.Services.GetRequiredService<IAuditLog>().ShouldBeOfType<NullAuditLog>();
        gateway.Services.GetServices<IHostedService>().Select(s => s.GetType().Name).ShouldNotContain(n => n == "AuditWriter" || n == "AuditPruningService");
        await using var connection = await gateway.Services.GetRequiredService<IDbConnectionFactory>().OpenAsync(CancellationToken.None);
        (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log")).ShouldBe(0);
        capture.Lines.ShouldContain(l => l.Contains("The audit log is off (--disable-audit)", StringComparison.Ordinal));
    }
}
