using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using OneMcp.Application.Audit;
using OneMcp.Application.Backends;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// A call in flight when its backend's connection is closed or replaced (the backend restarted, disabled or removed)
/// ends at once with an error that names the backend and says what happened, is never sent again, and is
/// audited as a failure (ADR 0059). The backends' request timeout is far longer than the test's wait for the error: a
/// call left to it fails the test by its message, not by a timeout of its own.
/// </summary>
public sealed class ReplacedConnectionCallsTests
{
    private const int LongTimeoutMs = 120_000;
    private const int SlowMs = 30_000;
    private const int ShortSlowMs = 3_000;

    [Fact]
    public async Task ACallInFlight_WhenItsHttpBackendLosesItsSession_IsAnsweredByTheSessionThatRunsIt_AndNotSentAgain()
    {
        // A lost session is not a close of the calls in flight: the backend may still run them in the old session (its
        // DELETE never reaches it here), and a request it refused for the forgotten session is sent again on the fresh
        // one (DirectCallsTests). Ending them at once raced with that refusal and failed calls that nothing had run.
        await using var backend = await HttpTestServer.StartAsync("web");
        await using var proxy = await SessionDroppingProxy.StartAsync(backend.McpUrl);
        var web = ConfigBuilder.HttpServer(proxy.McpUrl);
        web["requestTimeout"] = LongTimeoutMs;
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("web", web));
        var client = await gateway.ConnectAsync();
        var inFlight = await StartSlowCallAsync(client, ShortSlowMs);

        await proxy.DropNextSessionAsync();

        (await inFlight).IsError.ShouldNotBe(true);
        await Eventually.TrueAsync(
            () => gateway.Backend("web").State.Status == BackendStatus.Connected && proxy.Initializes == 2, "the backend to be reconnected");
        (await SlowCallsStartedAsync(client)).ShouldBe(1);
    }

    [Theory]
    [InlineData("stdio")]
    [InlineData("http")]
    public async Task ACallInFlight_WhenItsBackendIsDisabled_EndsAtOnceAndIsAuditedAsAFailure(string transport)
    {
        await using var remote = transport == "http" ? await HttpTestServer.StartAsync("web") : null;
        var web = remote is null ? ConfigBuilder.StdioTestServer("web") : ConfigBuilder.HttpServer(remote.McpUrl);
        web["requestTimeout"] = LongTimeoutMs;
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("web", web));
        using var rest = new RestClient(gateway);
        var client = await gateway.ConnectAsync();
        var inFlight = await StartSlowCallAsync(client);

        (await rest.PostAsync("/api/backends/web/disable")).Status.ShouldBe(System.Net.HttpStatusCode.OK);

        var error = await Should.ThrowAsync<McpProtocolException>(inFlight);
        error.Message.ShouldEndWith("Server 'web' was disabled while tools/call 'slow' was running; it was not sent again.");
        error.ErrorCode.ShouldBe(McpErrorCode.InternalError);
        var audited = await Eventually.ValueAsync(
            async () => await gateway.Services.GetRequiredService<IAuditRepository>().ListAsync(
                new AuditFilter(Backend: "web", Kind: AuditKinds.ToolCall), 10, CancellationToken.None),
            rows => rows.Any(r => r.Entry.Name == "slow" && r.Entry.Outcome == AuditOutcomes.Failure),
            "the call's audit entry");
        audited.Single(r => r.Entry.Name == "slow").Entry.ErrorCode.ShouldBe(((int)McpErrorCode.InternalError).ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ACallInFlight_WhenItsHttpBackendIsRemovedFromMcpJson_EndsAtOnce()
    {
        await using var remote = await HttpTestServer.StartAsync("web");
        var web = ConfigBuilder.HttpServer(remote.McpUrl);
        web["requestTimeout"] = LongTimeoutMs;
        var config = new ConfigBuilder().Add("web", web).Add("alpha", ConfigBuilder.StdioTestServer("alpha"));
        await using var gateway = await GatewayUnderTest.StartAsync(config);
        var client = await gateway.ConnectAsync();
        var inFlight = await StartSlowCallAsync(client);

        await gateway.WriteConfigAsync(config.Remove("web"));

        var error = await Should.ThrowAsync<McpProtocolException>(inFlight);
        error.Message.ShouldEndWith("Server 'web' was removed while tools/call 'slow' was running; it was not sent again.");
    }

    // The slow call, once the backend runs it.
    private static async Task<Task<ModelContextProtocol.Protocol.CallToolResult>> StartSlowCallAsync(McpClient client, int ms = SlowMs)
    {
        var inFlight = client.CallToolAsync("web_1mcp_slow", AggregationTests.Args(("ms", ms))).AsTask();
        await Eventually.ValueAsync(() => SlowCallsStartedAsync(client), n => n == 1, "the slow call to start");
        return inFlight;
    }

    private static async Task<int> SlowCallsStartedAsync(McpClient client) =>
        int.Parse(AggregationTests.Text(await client.CallToolAsync("web_1mcp_slow_started")), CultureInfo.InvariantCulture);
}
