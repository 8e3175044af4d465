namespace OneMcp.IntegrationTests.Support;

/// <summary>One gateway shared by a test class, with alpha [web] and beta [db] (in-repo test servers over stdio).</summary>
public sealed class WebAndDbBackendsFixture : IAsyncLifetime
{
    internal GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"])));

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}
