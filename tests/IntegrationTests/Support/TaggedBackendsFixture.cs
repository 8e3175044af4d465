namespace OneMcp.IntegrationTests.Support;

/// <summary>One gateway shared by a test class, with alpha [web], beta [db] and gamma [web, api] (in-repo test servers over stdio).</summary>
public sealed class TaggedBackendsFixture : IAsyncLifetime
{
    internal GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"]))
            .Add("gamma", ConfigBuilder.StdioTestServer("gamma", ["web", "api"])));

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}
