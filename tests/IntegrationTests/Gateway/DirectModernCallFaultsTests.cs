using ModelContextProtocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// A direct call to a streamable HTTP backend that speaks 2026-07-28 (no session, ADR 0039) whose exchange goes wrong,
/// against the test server's <c>--faults</c>. The backend's request timeout is long, so a call that waits for it fails
/// with another error.
/// </summary>
public sealed class DirectModernCallFaultsTests : IAsyncLifetime
{
    private HttpTestServer _web = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _web = await HttpTestServer.StartAsync("web", extraArgs: ["--session-mode", "hybrid", "--resumable", "--faults"]);
        var web = ConfigBuilder.HttpServer(_web.McpUrl);
        web["requestTimeout"] = 30_000;
        _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("web", web));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _web.DisposeAsync();
    }

    [Fact]
    public async Task A404WithoutASession_FailsAtOnce()
    {
        _gateway.Backend("web").State.ProtocolVersion.ShouldBe("2026-07-28");
        var client = await _gateway.ConnectAsync();

        // No session was forgotten, and no fresh one will come: the call fails, and does not wait out the timeout.
        var failure = await Should.ThrowAsync<McpException>(() => client.CallToolAsync("web_1mcp_gone").AsTask());

        failure.Message.ShouldContain("Server 'web' disconnected while handling tools/call");
    }
}
