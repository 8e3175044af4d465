using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>One gateway with alpha [web], beta [db] and off [db] (disabled in mcp.json), in-repo test servers over stdio.</summary>
public sealed class PerServerEndpointFixture : IAsyncLifetime
{
    internal GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var off = ConfigBuilder.StdioTestServer("off", ["db"]);
        off["disabled"] = true;
        Gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"]))
            .Add("off", off));
    }

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}
