using ModelContextProtocol;
using OneMcp.Application.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

public sealed class GatewayEngineListTests
{
    private static EngineFixture ThreeBackends() => new(
        Backend.Named("zeta").Tagged("web").Connected(Caps.New().Tools("z1").Prompts("zp").Resources("file:///z").Templates("file:///z/{id}")),
        Backend.Named("alpha").Tagged("db").Connected(Caps.New().Tools("a2", "a1").Prompts("ap").Resources("file:///a").Templates("file:///a/{id}")),
        Backend.Named("mid").Connected(Caps.New().Tools("m1").Prompts("mp").Resources("mem://m").Templates("mem://{key}")));

    [Fact]
    public void ListTools_WhenSeveralBackends_MergesByServerNameKeepingEachBackendsOrder()
    {
        using var fixture = ThreeBackends();

        var tools = fixture.Engine.ListTools(fixture.Session(), cursor: null).Tools;

        tools.Select(t => t.Name).ShouldBe(["alpha_1mcp_a2", "alpha_1mcp_a1", "mid_1mcp_m1", "zeta_1mcp_z1"]);
    }

    [Fact]
    public void ListTools_WhenBackendAddedLater_KeepsNameOrderRegardlessOfInsertion()
    {
        using var fixture = ThreeBackends();
        fixture.Pool.Add(Backend.Named("beta").Connected(Caps.New().Tools("b1")));

        var tools = fixture.Engine.ListTools(fixture.Session(), null).Tools;

        tools.Select(t => t.Name).ShouldBe(["alpha_1mcp_a2", "alpha_1mcp_a1", "beta_1mcp_b1", "mid_1mcp_m1", "zeta_1mcp_z1"]);
    }

    [Fact]
    public void ListPrompts_WhenSeveralBackends_PrefixesAndOrdersByServer()
    {
        using var fixture = ThreeBackends();

        var prompts = fixture.Engine.ListPrompts(fixture.Session(), null).Prompts;

        prompts.Select(p => p.Name).ShouldBe(["alpha_1mcp_ap", "mid_1mcp_mp", "zeta_1mcp_zp"]);
        prompts[0].Description.ShouldBe("the ap prompt");
        prompts[0].Arguments!.Single().Name.ShouldBe("topic");
    }

    [Fact]
    public void ListResources_WhenSeveralBackends_PrefixesUrisAndKeepsOtherFields()
    {
        using var fixture = ThreeBackends();

        var resources = fixture.Engine.ListResources(fixture.Session(), null).Resources;

        resources.Select(r => r.Uri).ShouldBe(["alpha_1mcp_file:///a", "mid_1mcp_mem://m", "zeta_1mcp_file:///z"]);
        resources.Select(r => r.Name).ShouldBe(["file:///a", "mem://m", "file:///z"]);
        resources.ShouldAllBe(r => r.MimeType == "text/plain");
    }

    [Fact]
    public void ListResourceTemplates_WhenSeveralBackends_PrefixesUriTemplates()
    {
        using var fixture = ThreeBackends();

        var templates = fixture.Engine.ListResourceTemplates(fixture.Session(), null).ResourceTemplates;

        templates.Select(t => t.UriTemplate).ShouldBe(["alpha_1mcp_file:///a/{id}", "mid_1mcp_mem://{key}", "zeta_1mcp_file:///z/{id}"]);
    }

    [Fact]
    public void ListTools_WhenCalled_LeavesTheBackendsOwnToolsUnprefixed()
    {
        using var fixture = ThreeBackends();
        var alpha = (FakeBackend)fixture.Pool.Backends[0];

        _ = fixture.Engine.ListTools(fixture.Session(), null);

        alpha.Capabilities.Tools.Select(t => t.Name).ShouldBe(["a2", "a1"]);
    }

    [Fact]
    public void ListTools_WhenToolsDisabled_HidesThemAndKeepsTheRest()
    {
        using var fixture = new EngineFixture(
            Backend.Named("a").DisablingTools("drop_db", "not_offered").Connected(Caps.New().Tools("query", "drop_db", "explain")));

        var tools = fixture.Engine.ListTools(fixture.Session(), null).Tools;

        tools.Select(t => t.Name).ShouldBe(["a_1mcp_query", "a_1mcp_explain"]);
    }

    [Fact]
    public void ListTools_WhenDescriptionOverridden_ReplacesOnlyThatToolsDescription()
    {
        using var fixture = new EngineFixture(
            Backend.Named("a").DescribingTool("query", "Run read-only SQL.").Connected(Caps.New().Tools("query", "explain")));

        var tools = fixture.Engine.ListTools(fixture.Session(), null).Tools;

        tools.Single(t => t.Name == "a_1mcp_query").Description.ShouldBe("Run read-only SQL.");
        tools.Single(t => t.Name == "a_1mcp_explain").Description.ShouldBe("the explain tool");
        tools[0].InputSchema.GetProperty("properties").GetProperty("q").GetProperty("type").GetString().ShouldBe("string");
    }

    [Theory]
    [InlineData(BackendStatus.Connecting)]
    [InlineData(BackendStatus.AwaitingOAuth)]
    [InlineData(BackendStatus.Error)]
    [InlineData(BackendStatus.Restarting)]
    [InlineData(BackendStatus.CrashLoop)]
    [InlineData(BackendStatus.Disabled)]
    [InlineData(BackendStatus.Disconnected)]
    public void Lists_WhenBackendNotConnected_HideEverythingOfIt(BackendStatus status)
    {
        var everything = Caps.New().Tools("t").Prompts("p").Resources("file:///r").Templates("file:///{x}");
        using var fixture = new EngineFixture(
            Backend.Named("up").Connected(everything),
            Backend.Named("down").In(status, everything));
        var session = fixture.Session();

        fixture.Engine.ListTools(session, null).Tools.Select(t => t.Name).ShouldBe(["up_1mcp_t"]);
        fixture.Engine.ListPrompts(session, null).Prompts.Select(p => p.Name).ShouldBe(["up_1mcp_p"]);
        fixture.Engine.ListResources(session, null).Resources.Select(r => r.Uri).ShouldBe(["up_1mcp_file:///r"]);
        fixture.Engine.ListResourceTemplates(session, null).ResourceTemplates.Select(t => t.UriTemplate).ShouldBe(["up_1mcp_file:///{x}"]);
    }

    [Fact]
    public void Lists_WhenBackendDisabledInSettings_HideItEvenIfItReportsConnected()
    {
        using var fixture = new EngineFixture(
            Backend.Named("up").Connected(Caps.New().Tools("t")),
            Backend.Named("off").Disabled().Connected(Caps.New().Tools("t")));

        fixture.Engine.ListTools(fixture.Session(), null).Tools.Select(t => t.Name).ShouldBe(["up_1mcp_t"]);
    }

    [Theory]
    [InlineData("web", null, "zeta_1mcp_z1")]
    [InlineData("db", null, "alpha_1mcp_a2,alpha_1mcp_a1")]
    [InlineData("web,DB", null, "alpha_1mcp_a2,alpha_1mcp_a1,zeta_1mcp_z1")]
    [InlineData("other", null, "")]
    [InlineData(null, "not web", "alpha_1mcp_a2,alpha_1mcp_a1,mid_1mcp_m1")]
    [InlineData(null, "web and db", "")]
    [InlineData(null, "db or -web", "alpha_1mcp_a2,alpha_1mcp_a1,mid_1mcp_m1")]
    public void ListTools_WhenSessionFiltered_ShowsOnlyAdmittedBackends(string? tags, string? tagFilter, string expected)
    {
        using var fixture = ThreeBackends();

        var tools = fixture.Engine.ListTools(fixture.Session(tags, tagFilter), null).Tools;

        string.Join(',', tools.Select(t => t.Name)).ShouldBe(expected);
    }

    [Fact]
    public void Lists_WhenSessionFiltered_ApplyTheFilterToEveryKind()
    {
        using var fixture = ThreeBackends();
        var session = fixture.Session(tags: "web");

        fixture.Engine.ListPrompts(session, null).Prompts.Select(p => p.Name).ShouldBe(["zeta_1mcp_zp"]);
        fixture.Engine.ListResources(session, null).Resources.Select(r => r.Uri).ShouldBe(["zeta_1mcp_file:///z"]);
        fixture.Engine.ListResourceTemplates(session, null).ResourceTemplates.Select(t => t.UriTemplate).ShouldBe(["zeta_1mcp_file:///z/{id}"]);
    }

    [Fact]
    public void ListTools_WhenTwoSessionsHaveDifferentFilters_EachSeesItsOwn()
    {
        using var fixture = ThreeBackends();

        var web = fixture.Engine.ListTools(fixture.Session(tags: "web"), null).Tools;
        var db = fixture.Engine.ListTools(fixture.Session(tags: "db"), null).Tools;

        web.Select(t => t.Name).ShouldBe(["zeta_1mcp_z1"]);
        db.Select(t => t.Name).ShouldBe(["alpha_1mcp_a2", "alpha_1mcp_a1"]);
    }

    [Fact]
    public void Lists_WhenNoBackends_ReturnEmptyLists()
    {
        using var fixture = new EngineFixture();
        var session = fixture.Session();

        fixture.Engine.ListTools(session, null).Tools.ShouldBeEmpty();
        fixture.Engine.ListPrompts(session, null).Prompts.ShouldBeEmpty();
        fixture.Engine.ListResources(session, null).Resources.ShouldBeEmpty();
        fixture.Engine.ListResourceTemplates(session, null).ResourceTemplates.ShouldBeEmpty();
    }

    public static TheoryData<string> ListKinds => ["tools", "prompts", "resources", "templates"];

    [Theory]
    [MemberData(nameof(ListKinds))]
    public void List_WhenCursorGiven_ThrowsInvalidParams(string kind)
    {
        using var fixture = ThreeBackends();
        var session = fixture.Session();
        Action list = kind switch
        {
            "tools" => () => fixture.Engine.ListTools(session, "abc"),
            "prompts" => () => fixture.Engine.ListPrompts(session, "abc"),
            "resources" => () => fixture.Engine.ListResources(session, "abc"),
            _ => () => fixture.Engine.ListResourceTemplates(session, ""),
        };

        var ex = Should.Throw<McpProtocolException>(list);

        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        ex.Message.ShouldContain("cursor");
    }

    [Fact]
    public void ListTools_WhenCalled_ReturnsNoNextCursor()
    {
        using var fixture = ThreeBackends();

        fixture.Engine.ListTools(fixture.Session(), null).NextCursor.ShouldBeNull();
    }
}
