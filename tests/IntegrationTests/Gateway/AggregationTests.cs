using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

public sealed class AggregationTests(AggregationFixture fixture) : IClassFixture<AggregationFixture>
{
    private GatewayUnderTest Gateway => fixture.Gateway;

    [Fact]
    public async Task ListTools_WithBackendsOverStdioAndHttp_MergesPrefixedToolsInServerOrder()
    {
        var client = await Gateway.ConnectAsync();

        var tools = await client.ListToolsAsync();

        var names = tools.Select(t => t.Name).ToList();
        names.ShouldContain("alpha_1mcp_echo");
        names.ShouldContain("beta_1mcp_echo");
        names.ShouldContain("gamma_1mcp_echo");
        names.ShouldContain("delta_1mcp_whoami");
        var servers = names.Select(n => n[..n.IndexOf("_1mcp_", StringComparison.Ordinal)]).Distinct().ToList();
        servers.ShouldBe(["alpha", "beta", "delta", "gamma"]);
    }

    [Fact]
    public async Task CallTool_WithPrefixedName_RoutesToTheOwningBackend()
    {
        var client = await Gateway.ConnectAsync();

        foreach (var server in new[] { "alpha", "beta", "gamma" })
        {
            var result = await client.CallToolAsync($"{server}_1mcp_whoami");
            var who = JsonDocument.Parse(Text(result)).RootElement.GetProperty("name").GetString();
            who.ShouldBe(server);
        }

        var echo = await client.CallToolAsync("gamma_1mcp_echo", new Dictionary<string, object?> { ["message"] = "over http" });
        Text(echo).ShouldBe("over http");
    }

    [Fact]
    public async Task DisabledTools_AreHiddenAndRefusedLikeUnknownTools()
    {
        var client = await Gateway.ConnectAsync();

        var names = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        names.ShouldNotContain("beta_1mcp_crash");
        names.ShouldNotContain("beta_1mcp_add");
        names.ShouldContain("alpha_1mcp_add");

        var disabled = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("beta_1mcp_add", Args(("a", 1), ("b", 2))).AsTask());
        var unknown = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("beta_1mcp_nosuchtool").AsTask());
        disabled.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        unknown.ErrorCode.ShouldBe(disabled.ErrorCode);
        disabled.Message.ShouldContain("Unknown tool");
    }

    [Fact]
    public async Task ToolDescriptionOverrides_ReplaceTheBackendsDescription()
    {
        var client = await Gateway.ConnectAsync();

        var tools = await client.ListToolsAsync();

        tools.Single(t => t.Name == "beta_1mcp_echo").Description.ShouldBe("Beta's echo.");
        tools.Single(t => t.Name == "alpha_1mcp_echo").Description.ShouldNotBe("Beta's echo.");
    }

    [Theory]
    [InlineData("nosuchserver_1mcp_echo")]
    [InlineData("echo")]
    [InlineData("_1mcp_echo")]
    [InlineData("alpha_1mcp_")]
    [InlineData("../alpha_1mcp_echo")]
    public async Task CallTool_WithUnknownOrForeignName_AnswersInvalidParams(string name)
    {
        var client = await Gateway.ConnectAsync();

        var error = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync(name).AsTask());

        error.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        error.Message.ShouldContain(name);
    }

    [Fact]
    public async Task ToolResults_AndBackendErrors_PassThroughUnchanged()
    {
        var client = await Gateway.ConnectAsync();

        var failed = await client.CallToolAsync("alpha_1mcp_fail");
        failed.IsError.ShouldBe(true);
        Text(failed).ShouldBe("intentional failure");

        var thrown = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("alpha_1mcp_throw").AsTask());
        thrown.Message.ShouldContain("intentional protocol error");
    }

    [Fact]
    public async Task Resources_AreListedAndReadWithPrefixedUris()
    {
        var client = await Gateway.ConnectAsync();

        var resources = await client.ListResourcesAsync();
        resources.Select(r => r.Uri).ShouldContain("gamma_1mcp_test://static/info");
        resources.Select(r => r.Uri).ShouldContain("alpha_1mcp_test://static/binary");

        var read = await client.ReadResourceAsync("gamma_1mcp_test://static/info");
        var content = read.Contents.ShouldHaveSingleItem().ShouldBeOfType<TextResourceContents>();
        content.Text.ShouldBe("info from gamma");
        content.Uri.ShouldBe("gamma_1mcp_test://static/info");

        var binary = await client.ReadResourceAsync("alpha_1mcp_test://static/binary");
        binary.Contents.ShouldHaveSingleItem().ShouldBeOfType<BlobResourceContents>();
    }

    [Fact]
    public async Task ResourceTemplates_AreListedPrefixedAndResolveOnTheirBackend()
    {
        var client = await Gateway.ConnectAsync();

        var templates = await client.ListResourceTemplatesAsync();
        templates.Select(t => t.UriTemplate).ShouldContain("beta_1mcp_test://items/{id}");

        var read = await client.ReadResourceAsync("beta_1mcp_test://items/7");
        read.Contents.OfType<TextResourceContents>().Single().Text.ShouldBe("item 7 from beta");
    }

    [Theory]
    [InlineData("alpha")]
    [InlineData("gamma")]
    public async Task ReadResource_WhenTheBackendNamesItsContentWithAnEmptyUri_AnswersItUnderTheUriRead(string server)
    {
        // Before: the whole read failed with -32603 (an empty URI could not be prefixed).
        var client = await Gateway.ConnectAsync();
        var uri = $"{server}_1mcp_test://items/unnamed";

        var read = await client.ReadResourceAsync(uri);

        var content = read.Contents.ShouldHaveSingleItem().ShouldBeOfType<TextResourceContents>();
        content.Uri.ShouldBe(uri);
        content.Text.ShouldBe($"item unnamed from {server}");
    }

    [Fact]
    public async Task Prompts_AreListedAndGotThroughTheirBackend()
    {
        var client = await Gateway.ConnectAsync();

        var prompts = await client.ListPromptsAsync();
        prompts.Select(p => p.Name).ShouldContain("alpha_1mcp_greeting");
        prompts.Select(p => p.Name).ShouldContain("gamma_1mcp_plain");

        var result = await client.GetPromptAsync("gamma_1mcp_greeting", new Dictionary<string, object?> { ["name"] = "Ada" });
        var text = result.Messages.ShouldHaveSingleItem().Content.ShouldBeOfType<TextContentBlock>().Text;
        text.ShouldBe("Hello, Ada! (from gamma)");
    }

    [Fact]
    public async Task Completions_ForPromptsAndTemplates_AreRoutedToTheirBackend()
    {
        var client = await Gateway.ConnectAsync();

        var names = await client.CompleteAsync(new PromptReference { Name = "alpha_1mcp_greeting" }, "name", "b");
        names.Completion.Values.ShouldBe(["bob"]);

        var ids = await client.CompleteAsync(new ResourceTemplateReference { Uri = "gamma_1mcp_test://items/{id}" }, "id", "1");
        ids.Completion.Values.ShouldBe(["1", "10"]);
    }

    [Fact]
    public async Task Initialize_AggregatesInstructionsOfTheVisibleBackends()
    {
        var client = await Gateway.ConnectAsync();

        var instructions = client.ServerInstructions.ShouldNotBeNull();

        instructions.ShouldContain("<alpha>\nTest server alpha.\n</alpha>");
        instructions.ShouldContain("<beta>\nUse beta for database work.\n</beta>");
        instructions.ShouldNotContain("Test server beta.");
        instructions.ShouldNotContain("<delta>");
        instructions.ShouldContain("<gamma>\nTest server gamma.\n</gamma>");
    }

    [Fact]
    public async Task ListTools_WithACursor_IsRefusedBecauseTheGatewayIssuesNone()
    {
        var client = await Gateway.ConnectAsync();

        var error = await Should.ThrowAsync<McpProtocolException>(
            () => client.ListToolsAsync(new ListToolsRequestParams { Cursor = "bogus" }).AsTask());

        error.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
    }

    [Fact]
    public async Task Ping_IsAnsweredByTheGateway()
    {
        var client = await Gateway.ConnectAsync();

        var pong = await client.PingAsync();

        pong.ShouldNotBeNull();
    }

    internal static string Text(CallToolResult result) =>
        result.Content.OfType<TextContentBlock>().Single().Text;

    internal static Dictionary<string, object?> Args(params (string Name, object? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);
}
