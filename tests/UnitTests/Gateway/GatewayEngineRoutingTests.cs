using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

public sealed class GatewayEngineRoutingTests
{
    private static EngineFixture Fixture(out FakeBackend docs, out FakeBackend web)
    {
        docs = Backend.Named("docs").Tagged("docs").Connected(
            Caps.New().Resources("file:///readme.md").Templates("file:///{path}").Prompts("summarise").WithCompletions());
        web = Backend.Named("web").Tagged("web").Connected(
            Caps.New().Resources("https://example.test/a").Templates("https://example.test/{page}").Prompts("search"));
        return new EngineFixture(docs, web);
    }

    [Fact]
    public async Task ReadResourceAsync_WhenVisible_ForwardsUnprefixedUriAndMeta()
    {
        using var fixture = Fixture(out var docs, out var web);
        var meta = new JsonObject { ["trace"] = "x" };

        await fixture.Engine.ReadResourceAsync(
            fixture.Session(), new RecordingPeer(), new ReadResourceRequestParams { Uri = "docs_1mcp_file:///readme.md", Meta = meta }, CancellationToken.None);

        var forwarded = docs.Requests<ReadResourceRequestParams>().Single();
        forwarded.Uri.ShouldBe("file:///readme.md");
        forwarded.Meta!.ToJsonString().ShouldBe("""{"trace":"x"}""");
        web.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task ReadResourceAsync_WhenBackendAnswers_PrefixesEveryContentUri()
    {
        using var fixture = Fixture(out var docs, out _);
        docs.ResourceResult = r => new ReadResourceResult
        {
            Contents =
            [
                new TextResourceContents { Uri = r.Uri, Text = "main" },
                new BlobResourceContents { Uri = "file:///readme.png", Blob = "AAAA"u8.ToArray(), MimeType = "image/png" },
            ],
        };

        var result = await fixture.Engine.ReadResourceAsync(
            fixture.Session(), new RecordingPeer(), new ReadResourceRequestParams { Uri = "docs_1mcp_file:///readme.md" }, CancellationToken.None);

        result.Contents.Select(c => c.Uri).ShouldBe(["docs_1mcp_file:///readme.md", "docs_1mcp_file:///readme.png"]);
        ((TextResourceContents)result.Contents[0]).Text.ShouldBe("main");
        result.Contents[1].MimeType.ShouldBe("image/png");
    }

    [Fact]
    public async Task ReadResourceAsync_WhenAContentHasNoUri_NamesItByTheUriTheClientRead()
    {
        // Before: prefixing the empty URI threw, and the client got -32603 for the whole read.
        using var fixture = Fixture(out var docs, out _);
        docs.ResourceResult = _ => new ReadResourceResult
        {
            Contents =
            [
                new TextResourceContents { Uri = string.Empty, Text = "main" },
                new TextResourceContents { Uri = "file:///readme.txt", Text = "other" },
            ],
        };

        var result = await fixture.Engine.ReadResourceAsync(
            fixture.Session(), new RecordingPeer(), new ReadResourceRequestParams { Uri = "docs_1mcp_file:///readme.md" }, CancellationToken.None);

        result.Contents.Select(c => c.Uri).ShouldBe(["docs_1mcp_file:///readme.md", "docs_1mcp_file:///readme.txt"]);
        ((TextResourceContents)result.Contents[0]).Text.ShouldBe("main");
    }

    [Fact]
    public async Task ReadResourceAsync_WhenUriMatchesATemplate_RoutesTheExpandedUri()
    {
        using var fixture = Fixture(out var docs, out _);

        var result = await fixture.Engine.ReadResourceAsync(
            fixture.Session(), new RecordingPeer(), new ReadResourceRequestParams { Uri = "docs_1mcp_file:///guide/intro.md" }, CancellationToken.None);

        docs.Requests<ReadResourceRequestParams>().Single().Uri.ShouldBe("file:///guide/intro.md");
        result.Contents.Single().Uri.ShouldBe("docs_1mcp_file:///guide/intro.md");
    }

    [Theory]
    [InlineData("web_1mcp_https://example.test/a")]   // filtered out
    [InlineData("ghost_1mcp_file:///readme.md")]      // no such backend
    [InlineData("file:///readme.md")]                 // no prefix
    [InlineData("do cs_1mcp_file:///readme.md")]      // invalid server name
    public async Task ReadResourceAsync_WhenNotResolvable_ThrowsUnknownResource(string uri)
    {
        using var fixture = Fixture(out var docs, out var web);

        var ex = await Should.ThrowAsync<McpProtocolException>(async () => await fixture.Engine.ReadResourceAsync(
            fixture.Session(tags: "docs"), new RecordingPeer(), new ReadResourceRequestParams { Uri = uri }, CancellationToken.None));

        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        ex.Message.ShouldBe($"Unknown resource: '{uri}'.");
        docs.Calls.ShouldBeEmpty();
        web.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task ReadResourceAsync_WhenBackendDisconnected_ThrowsUnknownResource()
    {
        using var fixture = Fixture(out var docs, out _);
        docs.Status = BackendStatus.Restarting;

        var ex = await Should.ThrowAsync<McpProtocolException>(async () => await fixture.Engine.ReadResourceAsync(
            fixture.Session(), new RecordingPeer(), new ReadResourceRequestParams { Uri = "docs_1mcp_file:///readme.md" }, CancellationToken.None));

        ex.Message.ShouldBe("Unknown resource: 'docs_1mcp_file:///readme.md'.");
        docs.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetPromptAsync_WhenVisible_ForwardsUnprefixedNameAndArgumentsAndReturnsTheResult()
    {
        using var fixture = Fixture(out var docs, out _);
        var arguments = new Dictionary<string, System.Text.Json.JsonElement>(Mcp.Arguments(("topic", "tests")), StringComparer.Ordinal);

        var result = await fixture.Engine.GetPromptAsync(
            fixture.Session(), new RecordingPeer(), new GetPromptRequestParams { Name = "docs_1mcp_summarise", Arguments = arguments }, CancellationToken.None);

        var forwarded = docs.Requests<GetPromptRequestParams>().Single();
        forwarded.Name.ShouldBe("summarise");
        forwarded.Arguments!["topic"].GetString().ShouldBe("tests");
        result.Description.ShouldBe("prompt summarise");
        ((TextContentBlock)result.Messages.Single().Content).Text.ShouldBe("text of summarise");
    }

    [Fact]
    public async Task CallToolAsync_WhenResultLinksOrEmbedsResources_PrefixesTheirUrisSoTheClientCanReadThem()
    {
        using var fixture = Fixture(out var docs, out _);
        docs.Capabilities = Caps.New().Tools("find").Resources("file:///readme.md").Build();
        docs.ToolResult = _ => new CallToolResult
        {
            Content =
            [
                new TextContentBlock { Text = "found" },
                new ResourceLinkBlock { Uri = "file:///guide/intro.md", Name = "intro" },
                new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = "file:///readme.md", Text = "main" } },
            ],
        };
        var session = fixture.Session();

        var result = await fixture.Engine.CallToolAsync(session, new RecordingPeer(), new CallToolRequestParams { Name = "docs_1mcp_find" }, CancellationToken.None);

        ((ResourceLinkBlock)result.Content[1]).Uri.ShouldBe("docs_1mcp_file:///guide/intro.md");
        ((EmbeddedResourceBlock)result.Content[2]).Resource.Uri.ShouldBe("docs_1mcp_file:///readme.md");
        ((TextContentBlock)result.Content[0]).Text.ShouldBe("found");

        // The link leads where it says: read through the gateway, it reaches the backend under its own URI.
        var linked = ((ResourceLinkBlock)result.Content[1]).Uri;
        await fixture.Engine.ReadResourceAsync(session, new RecordingPeer(), new ReadResourceRequestParams { Uri = linked }, CancellationToken.None);
        docs.Requests<ReadResourceRequestParams>().Single().Uri.ShouldBe("file:///guide/intro.md");
    }

    [Fact]
    public async Task GetPromptAsync_WhenMessagesLinkOrEmbedResources_PrefixesTheirUris()
    {
        using var fixture = Fixture(out var docs, out _);
        docs.PromptResult = _ => new GetPromptResult
        {
            Messages =
            [
                new PromptMessage { Role = Role.User, Content = new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = "file:///readme.md", Text = "main" } } },
                new PromptMessage { Role = Role.User, Content = new ResourceLinkBlock { Uri = "file:///guide.md", Name = "guide" } },
                new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = "summarise these" } },
            ],
        };

        var result = await fixture.Engine.GetPromptAsync(
            fixture.Session(), new RecordingPeer(), new GetPromptRequestParams { Name = "docs_1mcp_summarise" }, CancellationToken.None);

        ((EmbeddedResourceBlock)result.Messages[0].Content).Resource.Uri.ShouldBe("docs_1mcp_file:///readme.md");
        ((ResourceLinkBlock)result.Messages[1].Content).Uri.ShouldBe("docs_1mcp_file:///guide.md");
        ((TextContentBlock)result.Messages[2].Content).Text.ShouldBe("summarise these");
    }

    [Theory]
    [InlineData("web_1mcp_search")]
    [InlineData("docs_1mcp_")]
    [InlineData("summarise")]
    [InlineData("nobody_1mcp_summarise")]
    public async Task GetPromptAsync_WhenNotResolvable_ThrowsUnknownPrompt(string name)
    {
        using var fixture = Fixture(out var docs, out var web);

        var ex = await Should.ThrowAsync<McpProtocolException>(async () => await fixture.Engine.GetPromptAsync(
            fixture.Session(tags: "docs"), new RecordingPeer(), new GetPromptRequestParams { Name = name }, CancellationToken.None));

        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        ex.Message.ShouldBe($"Unknown prompt: '{name}'.");
        docs.Calls.ShouldBeEmpty();
        web.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task CompleteAsync_WhenPromptReference_ForwardsUnprefixedReferenceArgumentAndContext()
    {
        using var fixture = Fixture(out var docs, out _);
        var request = new CompleteRequestParams
        {
            Ref = new PromptReference { Name = "docs_1mcp_summarise", Title = "Summarise" },
            Argument = new Argument { Name = "topic", Value = "te" },
            Context = new CompleteContext { Arguments = new Dictionary<string, string>(StringComparer.Ordinal) { ["lang"] = "en" } },
        };

        var result = await fixture.Engine.CompleteAsync(fixture.Session(), new RecordingPeer(), request, CancellationToken.None);

        result.Completion.Values.ShouldBe(["one", "two"]);
        var forwarded = docs.Requests<CompleteRequestParams>().Single();
        var reference = forwarded.Ref.ShouldBeOfType<PromptReference>();
        reference.Name.ShouldBe("summarise");
        reference.Title.ShouldBe("Summarise");
        forwarded.Argument.Name.ShouldBe("topic");
        forwarded.Argument.Value.ShouldBe("te");
        forwarded.Context!.Arguments!["lang"].ShouldBe("en");
    }

    [Fact]
    public async Task CompleteAsync_WhenResourceTemplateReference_ForwardsUnprefixedTemplateUri()
    {
        using var fixture = Fixture(out var docs, out _);
        var request = new CompleteRequestParams
        {
            Ref = new ResourceTemplateReference { Uri = "docs_1mcp_file:///{path}" },
            Argument = new Argument { Name = "path", Value = "gu" },
        };

        await fixture.Engine.CompleteAsync(fixture.Session(), new RecordingPeer(), request, CancellationToken.None);

        docs.Requests<CompleteRequestParams>().Single().Ref.ShouldBeOfType<ResourceTemplateReference>().Uri.ShouldBe("file:///{path}");
    }

    [Fact]
    public async Task CompleteAsync_WhenBackendHasNoCompletions_ReturnsNoValuesWithoutCallingIt()
    {
        using var fixture = Fixture(out _, out var web);
        var request = new CompleteRequestParams
        {
            Ref = new PromptReference { Name = "web_1mcp_search" },
            Argument = new Argument { Name = "q", Value = "x" },
        };

        var result = await fixture.Engine.CompleteAsync(fixture.Session(), new RecordingPeer(), request, CancellationToken.None);

        result.Completion.Values.ShouldBeEmpty();
        web.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task CompleteAsync_WhenResourceTemplateReferenceHasNoUri_ThrowsInvalidParams()
    {
        using var fixture = Fixture(out var docs, out _);
        var request = new CompleteRequestParams
        {
            Ref = new ResourceTemplateReference { Uri = null! },
            Argument = new Argument { Name = "path", Value = "x" },
        };

        var ex = await Should.ThrowAsync<McpProtocolException>(
            async () => await fixture.Engine.CompleteAsync(fixture.Session(), new RecordingPeer(), request, CancellationToken.None));

        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        ex.Message.ShouldContain("ref/prompt");
        docs.Calls.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("prompt", "web_1mcp_search", "Unknown prompt: 'web_1mcp_search'.")]
    [InlineData("prompt", "search", "Unknown prompt: 'search'.")]
    [InlineData("resource", "web_1mcp_https://example.test/{page}", "Unknown resource: 'web_1mcp_https://example.test/{page}'.")]
    [InlineData("resource", "file:///{path}", "Unknown resource: 'file:///{path}'.")]
    public async Task CompleteAsync_WhenReferenceNotResolvable_ThrowsUnknownError(string kind, string name, string message)
    {
        using var fixture = Fixture(out var docs, out var web);
        Reference reference = kind == "prompt" ? new PromptReference { Name = name } : new ResourceTemplateReference { Uri = name };
        var request = new CompleteRequestParams { Ref = reference, Argument = new Argument { Name = "a", Value = "b" } };

        var ex = await Should.ThrowAsync<McpProtocolException>(async () =>
            await fixture.Engine.CompleteAsync(fixture.Session(tags: "docs"), new RecordingPeer(), request, CancellationToken.None));

        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        ex.Message.ShouldBe(message);
        docs.Calls.ShouldBeEmpty();
        web.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetPromptAsync_WhileRunning_RecordsTheCallerAsInFlight()
    {
        using var fixture = Fixture(out var docs, out _);
        var hold = docs.Hold(RequestMethods.PromptsGet);
        var caller = new RecordingPeer("caller");

        var get = fixture.Engine.GetPromptAsync(
            fixture.Session(), caller, new GetPromptRequestParams { Name = "docs_1mcp_summarise" }, CancellationToken.None).AsTask();
        await hold.Entered.WaitAsync(EngineFixture.Timeout);

        fixture.InFlight.CallersOn(docs.Name).ShouldBe([caller]);
        hold.Release();
        await get.WaitAsync(EngineFixture.Timeout);
        fixture.InFlight.CallersOn(docs.Name).ShouldBeEmpty();
    }

    [Fact]
    public async Task ReadResourceAsync_WhileRunning_RecordsTheCallerAsInFlight()
    {
        using var fixture = Fixture(out var docs, out _);
        var hold = docs.Hold(RequestMethods.ResourcesRead);
        var caller = new RecordingPeer("caller");

        var read = fixture.Engine.ReadResourceAsync(
            fixture.Session(), caller, new ReadResourceRequestParams { Uri = "docs_1mcp_file:///readme.md" }, CancellationToken.None).AsTask();
        await hold.Entered.WaitAsync(EngineFixture.Timeout);

        fixture.InFlight.CallersOn(docs.Name).ShouldBe([caller]);
        hold.Release();
        await read.WaitAsync(EngineFixture.Timeout);
        fixture.InFlight.CallersOn(docs.Name).ShouldBeEmpty();
    }
}
