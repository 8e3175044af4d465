using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// The C# SDK client through <c>/mcp</c>, pinned to 2026-07-28 (no session) and to 2025-11-25 (<c>initialize</c> and a
/// session): the same filter shows the same prefixed tools, resources and prompts, and calls, reads and gets answer alike.
/// </summary>
public sealed class CSharpClientEraTests(WebAndDbBackendsFixture fixture) : IClassFixture<WebAndDbBackendsFixture>
{
    private GatewayUnderTest Gateway => fixture.Gateway;

    [Theory]
    [InlineData(ProtocolEras.Stateless)]
    [InlineData(ProtocolEras.Legacy)]
    public async Task ListsAndCallsTools_InBothEras(string era)
    {
        var client = await ConnectAsync(era);

        var tools = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        tools.ShouldContain("beta_1mcp_echo");
        tools.ShouldContain("beta_1mcp_add");
        tools.ShouldAllBe(t => t.StartsWith("beta_1mcp_", StringComparison.Ordinal));

        var echo = await client.CallToolAsync("beta_1mcp_echo", new Dictionary<string, object?> { ["message"] = $"csharp {era}" });
        echo.IsError.ShouldNotBe(true);
        echo.Content.OfType<TextContentBlock>().Single().Text.ShouldBe($"csharp {era}");

        var sum = await client.CallToolAsync("beta_1mcp_add", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 });
        sum.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("5");
    }

    [Theory]
    [InlineData(ProtocolEras.Stateless)]
    [InlineData(ProtocolEras.Legacy)]
    public async Task ListsAndReadsResources_InBothEras(string era)
    {
        var client = await ConnectAsync(era);

        (await client.ListResourcesAsync()).Select(r => r.Uri)
            .ShouldBe(["beta_1mcp_test://static/info", "beta_1mcp_test://static/binary"], ignoreOrder: true);
        (await client.ListResourceTemplatesAsync()).Select(t => t.UriTemplate).ShouldBe(["beta_1mcp_test://items/{id}"]);

        var info = await client.ReadResourceAsync("beta_1mcp_test://static/info");
        var text = info.Contents.ShouldHaveSingleItem().ShouldBeOfType<TextResourceContents>();
        text.Text.ShouldBe("info from beta");
        text.Uri.ShouldBe("beta_1mcp_test://static/info");

        var item = await client.ReadResourceAsync("beta_1mcp_test://items/42");
        item.Contents.OfType<TextResourceContents>().Single().Text.ShouldBe("item 42 from beta");
    }

    [Theory]
    [InlineData(ProtocolEras.Stateless)]
    [InlineData(ProtocolEras.Legacy)]
    public async Task ListsAndGetsPrompts_AndCompletes_InBothEras(string era)
    {
        var client = await ConnectAsync(era);

        (await client.ListPromptsAsync()).Select(p => p.Name).ShouldBe(["beta_1mcp_greeting", "beta_1mcp_plain"], ignoreOrder: true);

        var greeting = await client.GetPromptAsync("beta_1mcp_greeting", new Dictionary<string, object?> { ["name"] = "Ada" });
        greeting.Messages.ShouldHaveSingleItem().Content.ShouldBeOfType<TextContentBlock>().Text.ShouldBe("Hello, Ada! (from beta)");

        var names = await client.CompleteAsync(new PromptReference { Name = "beta_1mcp_greeting" }, "name", "c");
        names.Completion.Values.ShouldBe(["carol"]);
    }

    private async Task<McpClient> ConnectAsync(string era)
    {
        var client = await Gateway.ConnectAsync("?tags=db", protocolVersion: era);
        client.NegotiatedProtocolVersion.ShouldBe(era);
        if (era == ProtocolEras.Stateless)
        {
            client.SessionId.ShouldBeNull();
        }
        else
        {
            client.SessionId.ShouldNotBeNullOrEmpty();
        }

        return client;
    }
}
