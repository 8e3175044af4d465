using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// One gateway shared by a test class in front of two HTTP backends: "modern", the 2026-07-28 server of
/// tests/NodeClients/modern-server.mjs (no sessions, <c>legacy: 'reject'</c>), and "legacy", the in-repo test server in
/// its stateful HTTP mode, which refuses 2026-07-28 requests so the gateway falls back to <c>initialize</c> with it.
/// </summary>
public sealed class ModernBackendFixture : IAsyncLifetime
{
    private NodeModernServer? _modern;
    private HttpTestServer? _legacy;

    internal GatewayUnderTest Gateway { get; private set; } = null!;

    internal NodeModernServer Modern => _modern!;

    public async Task InitializeAsync()
    {
        _modern = await NodeModernServer.StartAsync();
        _legacy = await HttpTestServer.StartAsync("legacy");
        Gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("modern", ConfigBuilder.HttpServer(_modern.McpUrl))
            .Add("legacy", ConfigBuilder.HttpServer(_legacy.McpUrl)));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        if (_modern is not null)
        {
            await _modern.DisposeAsync();
        }

        if (_legacy is not null)
        {
            await _legacy.DisposeAsync();
        }
    }
}
