using OneMcp.Api.Cli;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.IntegrationTests.Cli;

/// <summary><c>--audit-retention-days</c> / <c>ONEMCP_AUDIT_RETENTION_DAYS</c>: flag over environment over the default of 30.</summary>
public sealed class AuditRetentionOptionTests
{
    private static Task<ServeOptions> ResolveAsync(params string[] args) => ResolveAsync(Environment.GetEnvironmentVariable, args);

    private static async Task<ServeOptions> ResolveAsync(Func<string, string?> environment, params string[] args)
    {
        ServeOptions? resolved = null;
        var exit = await OneMcpCli.RunAsync(
            ["serve", "--data-dir", Path.Combine(Path.GetTempPath(), "onemcp-tests", Guid.NewGuid().ToString("N")), .. args],
            (options, _) =>
            {
                resolved = options;
                return Task.FromResult(0);
            },
            (_, _) => Task.FromResult(0),
            TextWriter.Null,
            environment);
        exit.ShouldBe(0);
        return resolved.ShouldNotBeNull();
    }

    [Fact]
    public async Task Serve_WithoutTheFlag_KeepsThirtyDays() =>
        (await ResolveAsync()).AuditRetention.ShouldBe(TimeSpan.FromDays(30));

    [Fact]
    public async Task Serve_WithTheFlag_KeepsThatManyDays() =>
        (await ResolveAsync("--audit-retention-days", "7")).AuditRetention.ShouldBe(TimeSpan.FromDays(7));

    [Fact]
    public async Task Serve_WithoutDisableAudit_Audits() =>
        (await ResolveAsync()).AuditEnabled.ShouldBeTrue();

    [Fact]
    public async Task Serve_WithDisableAudit_AuditsNothing() =>
        (await ResolveAsync("--disable-audit")).AuditEnabled.ShouldBeFalse();

    [Theory]
    [InlineData("--disable-audit=false")]
    [InlineData("--disable-audit", "false")]
    public async Task Serve_WithDisableAuditGivenFalse_AuditsDespiteTheVariable(params string[] flag) =>
        (await ResolveAsync(name => name == "ONEMCP_DISABLE_AUDIT" ? "1" : null, flag)).AuditEnabled.ShouldBeTrue();

    [Fact]
    public async Task Serve_WithDisableAuditOnlyInTheVariable_AuditsNothing() =>
        (await ResolveAsync(name => name == "ONEMCP_DISABLE_AUDIT" ? "1" : null)).AuditEnabled.ShouldBeFalse();

    [Fact]
    public async Task Serve_WithDisableAuditInTheEnvironment_AuditsNothing()
    {
        using var directory = new Support.TestDirectory();

        await using var gateway = Support.GatewayProcess.Start(
            ["serve", "--port", "0", "--data-dir", directory.File("data"), "--config", directory.Write("mcp.json", "{\"mcpServers\":{}}")],
            directory.Path,
            new Dictionary<string, string> { ["ONEMCP_DISABLE_AUDIT"] = "true" });

        await gateway.WaitForOutputAsync(l => l.Contains("The audit log is off", StringComparison.Ordinal), "the audit-off warning");
    }

    [Fact]
    public async Task Serve_WithABadEnvironmentValue_ExitsTwoNamingIt()
    {
        using var directory = new Support.TestDirectory();

        var (exitCode, _, stderr) = await Support.GatewayProcess.RunAsync(
            ["serve", "--port", "0"], directory.Path, new Dictionary<string, string> { ["ONEMCP_AUDIT_RETENTION_DAYS"] = "never" });

        exitCode.ShouldBe(2);
        stderr.ShouldHaveSingleItem().ShouldContain("audit retention 'never'");
    }
}
