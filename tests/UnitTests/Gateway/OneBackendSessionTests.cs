using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

/// <summary>
/// A session of <c>/mcp/&lt;server&gt;</c> (<see cref="GatewaySession.OnlyBackend"/>): one backend, under its original
/// names, on every surface (lists, calls, reads, prompts, completions, subscriptions and notifications).
/// </summary>
public sealed class OneBackendSessionTests
{
    private static EngineFixture Fixture(out FakeBackend docs, out FakeBackend web)
    {
        docs = Backend.Named("docs").Tagged("docs").DisablingTools("danger").DescribingTool("search", "Search the docs.")
            .Connected(Caps.New().Tools("search", "danger").Resources("file:///readme.md").Templates("file:///{path}").Prompts("summarise")
                .WithCompletions().WithSubscribe().Instructions("Docs backend."));
        web = Backend.Named("web").Tagged("web").Connected(Caps.New().Tools("fetch").Resources("https://example.test/a").Prompts("search"));
        return new EngineFixture(docs, web);
    }

    private static GatewaySession OnlyOn(EngineFixture fixture, string server, string? tags = null)
    {
        var session = new GatewaySession($"only-{server}-{Guid.NewGuid():N}", SessionFilter.FromQuery(tags, null, null, _ => null)) { OnlyBackend = ServerName.From(server) };
        session.Attach(new RecordingPeer(server));
        fixture.Registry.Add(session);
        return session;
    }

    [Fact]
    public void Lists_ShowOnlyThatBackend_UnderItsOriginalNames_WithItsSettingsApplied()
    {
        using var fixture = Fixture(out _, out _);
        var session = OnlyOn(fixture, "docs");

        var tools = fixture.Engine.ListTools(session, null).Tools;
        tools.Select(t => t.Name).ShouldBe(["search"]);
        tools.Single().Description.ShouldBe("Search the docs.");
        fixture.Engine.ListResources(session, null).Resources.Select(r => r.Uri).ShouldBe(["file:///readme.md"]);
        fixture.Engine.ListResourceTemplates(session, null).ResourceTemplates.Select(t => t.UriTemplate).ShouldBe(["file:///{path}"]);
        fixture.Engine.ListPrompts(session, null).Prompts.Select(p => p.Name).ShouldBe(["summarise"]);
    }

    [Fact]
    public void Lists_OfMcpAndOfOneBackend_DoNotShareNames()
    {
        using var fixture = Fixture(out _, out _);
        var only = OnlyOn(fixture, "docs");
        var whole = fixture.Session();

        fixture.Engine.ListTools(only, null).Tools.Select(t => t.Name).ShouldBe(["search"]);
        fixture.Engine.ListTools(whole, null).Tools.Select(t => t.Name).ShouldBe(["docs_1mcp_search", "web_1mcp_fetch"], ignoreOrder: true);
        fixture.Engine.ListTools(only, null).Tools.Select(t => t.Name).ShouldBe(["search"]);
    }

    [Fact]
    public void Lists_WhenTheFilterExcludesTheBackend_AreEmpty()
    {
        using var fixture = Fixture(out _, out _);
        var session = OnlyOn(fixture, "docs", tags: "web");

        fixture.Engine.ListTools(session, null).Tools.ShouldBeEmpty();
        fixture.Engine.ListPrompts(session, null).Prompts.ShouldBeEmpty();
    }

    [Fact]
    public async Task CallToolAsync_ForwardsTheOriginalName_AndRefusesPrefixedOrOtherBackendsNames()
    {
        using var fixture = Fixture(out var docs, out var web);
        var session = OnlyOn(fixture, "docs");

        await fixture.Engine.CallToolAsync(session, new RecordingPeer(), new CallToolRequestParams { Name = "search" }, CancellationToken.None);
        docs.Requests<CallToolRequestParams>().Single().Name.ShouldBe("search");

        foreach (var name in new[] { "docs_1mcp_search", "fetch", "web_1mcp_fetch", "danger" })
        {
            var refused = await Should.ThrowAsync<McpProtocolException>(async () =>
                await fixture.Engine.CallToolAsync(session, new RecordingPeer(), new CallToolRequestParams { Name = name }, CancellationToken.None));
            refused.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        }

        web.Calls.ShouldBeEmpty();
        docs.Requests<CallToolRequestParams>().Count.ShouldBe(1);
    }

    [Fact]
    public async Task ReadResourceAsync_ForwardsAndAnswersUnderTheOriginalUri()
    {
        using var fixture = Fixture(out var docs, out _);
        var session = OnlyOn(fixture, "docs");

        var result = await fixture.Engine.ReadResourceAsync(session, new RecordingPeer(), new ReadResourceRequestParams { Uri = "file:///guide.md" }, CancellationToken.None);

        docs.Requests<ReadResourceRequestParams>().Single().Uri.ShouldBe("file:///guide.md");
        result.Contents.Single().Uri.ShouldBe("file:///guide.md");
    }

    [Fact]
    public async Task CallToolAsync_LeavesResourceLinksUnderTheirOriginalUris()
    {
        using var fixture = Fixture(out var docs, out _);
        docs.ToolResult = _ => new CallToolResult { Content = [new ResourceLinkBlock { Uri = "file:///guide.md", Name = "guide" }] };
        var session = OnlyOn(fixture, "docs");

        var result = await fixture.Engine.CallToolAsync(session, new RecordingPeer(), new CallToolRequestParams { Name = "search" }, CancellationToken.None);

        ((ResourceLinkBlock)result.Content.Single()).Uri.ShouldBe("file:///guide.md");
    }

    [Fact]
    public async Task GetPromptAsync_AndCompleteAsync_ForwardTheOriginalNames()
    {
        using var fixture = Fixture(out var docs, out _);
        var session = OnlyOn(fixture, "docs");

        await fixture.Engine.GetPromptAsync(session, new RecordingPeer(), new GetPromptRequestParams { Name = "summarise" }, CancellationToken.None);
        await fixture.Engine.CompleteAsync(session, new RecordingPeer(), new CompleteRequestParams
        {
            Ref = new PromptReference { Name = "summarise" },
            Argument = new Argument { Name = "topic", Value = "a" },
        }, CancellationToken.None);
        await fixture.Engine.CompleteAsync(session, new RecordingPeer(), new CompleteRequestParams
        {
            Ref = new ResourceTemplateReference { Uri = "file:///{path}" },
            Argument = new Argument { Name = "path", Value = "r" },
        }, CancellationToken.None);

        docs.Requests<GetPromptRequestParams>().Single().Name.ShouldBe("summarise");
        var refs = docs.Requests<CompleteRequestParams>().Select(c => c.Ref).ToList();
        refs[0].ShouldBeOfType<PromptReference>().Name.ShouldBe("summarise");
        refs[1].ShouldBeOfType<ResourceTemplateReference>().Uri.ShouldBe("file:///{path}");
    }

    [Fact]
    public async Task Subscriptions_UseTheOriginalUri_UpdatesArriveUnderIt_AndAnEndedSessionReleasesThem()
    {
        using var fixture = Fixture(out var docs, out _);
        var only = OnlyOn(fixture, "docs");
        var whole = fixture.Session();
        await fixture.Engine.SubscribeAsync(only, "file:///readme.md", CancellationToken.None);
        await fixture.Engine.SubscribeAsync(whole, "docs_1mcp_file:///readme.md", CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe(["file:///readme.md"]);

        fixture.Router.ResourceUpdated(docs, "file:///readme.md");

        var update = ((RecordingPeer)only.Peer).Notifications.ShouldHaveSingleItem();
        update.Method.ShouldBe(NotificationMethods.ResourceUpdatedNotification);
        update.Params!["uri"]!.GetValue<string>().ShouldBe("file:///readme.md");
        EngineFixture.PeerOf(whole).Notifications.ShouldHaveSingleItem().Params!["uri"]!.GetValue<string>().ShouldBe("docs_1mcp_file:///readme.md");

        await fixture.Subscriptions.ReleaseSessionAsync(whole, fixture.Pool, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBeEmpty();
        await fixture.Subscriptions.ReleaseSessionAsync(only, fixture.Pool, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBe(["file:///readme.md"]);
    }

    [Fact]
    public void ListChanged_OfAnotherBackend_IsNotSent()
    {
        using var fixture = Fixture(out var docs, out var web);
        var only = OnlyOn(fixture, "docs");

        fixture.Router.BackendChanged(web, CapabilityKinds.Tools);
        ((RecordingPeer)only.Peer).Methods.ShouldBeEmpty();

        fixture.Router.BackendChanged(docs, CapabilityKinds.Tools);
        ((RecordingPeer)only.Peer).Methods.ShouldBe([NotificationMethods.ToolListChangedNotification]);
    }

    [Fact]
    public void Instructions_AreTheBackendsOwn()
    {
        using var fixture = Fixture(out _, out _);

        fixture.Engine.BuildInstructions(OnlyOn(fixture, "docs")).ShouldBe("Docs backend.");
        var withoutOwn = fixture.Engine.BuildInstructions(OnlyOn(fixture, "web"));
        withoutOwn.ShouldContain("web");
        withoutOwn.ShouldNotContain(ServerName.Separator);
    }

    [Fact]
    public void CapabilityNameFor_IsTheOriginalNameOnlyForAOneBackendSession()
    {
        var server = ServerName.From("docs");

        CapabilityName.For(new GatewaySession("a", SessionFilter.None), server, "search").ShouldBe("docs_1mcp_search");
        CapabilityName.For(new GatewaySession("b", SessionFilter.None) { OnlyBackend = server }, server, "search").ShouldBe("search");
    }

    [Fact]
    public void Allows_AdmitsOnlyTheOneBackend_AndStillAppliesTheFilter()
    {
        var docs = Backend.Named("docs").Tagged("docs").Build();
        var web = Backend.Named("web").Tagged("web").Build();
        var off = Backend.Named("docs").Tagged("docs").Disabled().Build();

        var only = new GatewaySession("a", SessionFilter.None) { OnlyBackend = ServerName.From("docs") };
        only.Allows(docs).ShouldBeTrue();
        only.Allows(web).ShouldBeFalse();
        only.Allows(off).ShouldBeFalse();
        new GatewaySession("b", SessionFilter.FromQuery("web", null, null, _ => null)) { OnlyBackend = ServerName.From("docs") }.Allows(docs).ShouldBeFalse();
        BackendVisibility.Admits(SessionFilter.None, null, web).ShouldBeTrue();
        BackendVisibility.Admits(SessionFilter.None, null, off).ShouldBeFalse();
    }
}
