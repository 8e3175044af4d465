using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

/// <summary>
/// The engine answers sessions that see the same backend lists with one shared tools/list answer, which the transport
/// serializes once (ADR 0035); a change of any backend's list, a different view or a 2026-07-28 request gets its own.
/// </summary>
public sealed class MergedToolListsTests
{
    private static EngineFixture TwoBackends(out FakeBackend web) => new(
        web = Backend.Named("web").Tagged("web").Connected(Caps.New().Tools("w1", "w2")),
        Backend.Named("db").Tagged("db").Connected(Caps.New().Tools("d1")));

    [Fact]
    public void ListTools_ForSessionsWithTheSameView_IsOneSharedAnswer()
    {
        using var fixture = TwoBackends(out _);

        var first = fixture.Engine.ListTools(fixture.Session(), null);
        var second = fixture.Engine.ListTools(fixture.Session(), null);

        second.ShouldBeSameAs(first);
        first.Tools.Select(t => t.Name).ShouldBe(["db_1mcp_d1", "web_1mcp_w1", "web_1mcp_w2"]);
    }

    [Fact]
    public void ListTools_ForAnotherView_IsAnotherAnswer()
    {
        using var fixture = TwoBackends(out _);

        var all = fixture.Engine.ListTools(fixture.Session(), null);
        var web = fixture.Engine.ListTools(fixture.Session(tags: "web"), null);

        web.ShouldNotBeSameAs(all);
        web.Tools.Select(t => t.Name).ShouldBe(["web_1mcp_w1", "web_1mcp_w2"]);
        fixture.Engine.ListTools(fixture.Session(), null).ShouldBeSameAs(all);
    }

    [Fact]
    public void ListTools_AfterABackendsToolsChanged_IsANewAnswerWithTheNewTools()
    {
        using var fixture = TwoBackends(out var web);
        var session = fixture.Session();
        var before = fixture.Engine.ListTools(session, null);

        web.Capabilities = Caps.New().Tools("w3").Build();
        var after = fixture.Engine.ListTools(session, null);

        after.ShouldNotBeSameAs(before);
        after.Tools.Select(t => t.Name).ShouldBe(["db_1mcp_d1", "web_1mcp_w3"]);
        before.Tools.Select(t => t.Name).ShouldBe(["db_1mcp_d1", "web_1mcp_w1", "web_1mcp_w2"]);
    }

    [Fact]
    public void ListTools_ForA2026Request_IsItsOwnAnswerWithItsCacheHints()
    {
        using var fixture = TwoBackends(out _);
        var shared = fixture.Engine.ListTools(fixture.Session(), null);

        var perRequest = fixture.Engine.ListTools(new GatewaySession("r", SessionFilter.None) { PerRequest = true }, null);

        perRequest.ShouldNotBeSameAs(shared);
        perRequest.TimeToLive.ShouldNotBeNull();
        shared.TimeToLive.ShouldBeNull();
        perRequest.Tools.Select(t => t.Name).ShouldBe(shared.Tools.Select(t => t.Name));
    }

    [Fact]
    public void For_KeepsTheViewsUsedLast_UpToItsCapacity()
    {
        var lists = new MergedToolLists(capacity: 2);
        ExposedCapabilities[] a = [Exposed("a")], b = [Exposed("b")], c = [Exposed("c")];
        var first = lists.For(a);
        lists.For(b);
        lists.For(a).ShouldBeSameAs(first); // a is now the one used last

        lists.For(c); // drops b, used longest ago
        lists.For(a).ShouldBeSameAs(first);
        lists.For([Exposed("a")]).ShouldNotBeSameAs(first); // equal in value, but another list object
    }

    private static ExposedCapabilities Exposed(string tool) => new([Mcp.Tool(tool)], [], [], []);
}
