using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// One gateway shared by the read-only aggregation tests: two stdio backends and one HTTP backend, all
/// instances of the in-repo test server, with tags, overrides and a disabled tool.
/// </summary>
public sealed class AggregationFixture : IAsyncLifetime
{
    private HttpTestServer? _gamma;

    internal GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _gamma = await HttpTestServer.StartAsync("gamma");
        var alpha = ConfigBuilder.StdioTestServer("alpha", ["web"]);
        var beta = ConfigBuilder.StdioTestServer("beta", ["db"]);
        beta["disabledTools"] = new System.Text.Json.Nodes.JsonArray("crash", "add");
        beta["toolDescriptionOverrides"] = new System.Text.Json.Nodes.JsonObject { ["echo"] = "Beta's echo." };
        beta["instructionOverride"] = "Use beta for database work.";
        var delta = ConfigBuilder.StdioTestServer("delta", ["db", "quiet"]);
        delta["instructionOverride"] = string.Empty;
        var config = new ConfigBuilder()
            .Add("alpha", alpha)
            .Add("beta", beta)
            .Add("delta", delta)
            .Add("gamma", ConfigBuilder.HttpServer(_gamma.McpUrl, ["web", "api"]));
        Gateway = await GatewayUnderTest.StartAsync(config);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        if (_gamma is not null)
        {
            await _gamma.DisposeAsync();
        }
    }
}
