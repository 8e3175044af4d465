using ModelContextProtocol.Protocol;
using OneMcp.Application.Audit;
using OneMcp.Application.Authorization;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

public sealed class CachePolicyTests
{
    private static GatewaySession PerRequest(SessionFilter? filter = null, TagGrant? grant = null, AuditActor? actor = null, string? userHash = null) =>
        new("s", filter ?? SessionFilter.None) { PerRequest = true, Grant = grant, Actor = actor ?? AuditActor.Anonymous, UserHash = userHash };

    private static SessionFilter Tags(string tags) => SessionFilter.FromQuery(tags, null, null, _ => null);

    [Fact]
    public void ScopeFor_WithoutFilterOrAuth_IsPublic() =>
        CachePolicy.ScopeFor(PerRequest()).ShouldBe(CacheScope.Public);

    [Fact]
    public void ScopeFor_WithAFilter_IsPrivate() =>
        CachePolicy.ScopeFor(PerRequest(filter: Tags("web"))).ShouldBe(CacheScope.Private);

    [Fact]
    public void ScopeFor_WithATokenGrant_IsPrivate() =>
        CachePolicy.ScopeFor(PerRequest(grant: TagGrant.FromScopes(["tag:web"], ScopeMatch.Any))).ShouldBe(CacheScope.Private);

    [Fact]
    public void ScopeFor_WithASignedInUser_IsPrivate()
    {
        CachePolicy.ScopeFor(PerRequest(actor: new AuditActor("ada", "sub-1", "client"))).ShouldBe(CacheScope.Private);
        CachePolicy.ScopeFor(PerRequest(userHash: "h")).ShouldBe(CacheScope.Private);
    }

    [Fact]
    public void ForList_OnAPerRequestSession_SetsTheListTtlAndScope()
    {
        var result = CachePolicy.ForList(PerRequest(filter: Tags("db")), new ListToolsResult { Tools = [] });

        result.TimeToLive.ShouldBe(CachePolicy.ListTimeToLive);
        result.TimeToLive!.Value.ShouldBeGreaterThan(TimeSpan.Zero);
        result.CacheScope.ShouldBe(CacheScope.Private);
    }

    [Fact]
    public void ForList_OnALegacySession_AddsNoHints()
    {
        var result = CachePolicy.ForList(new GatewaySession("s", SessionFilter.None), new ListPromptsResult { Prompts = [] });

        result.TimeToLive.ShouldBeNull();
        result.CacheScope.ShouldBeNull();
    }

    [Fact]
    public void ForRead_KeepsTheBackendsTtlAndPrivateScope_AndOtherwiseIsImmediatelyStale()
    {
        var fromBackend = new ReadResourceResult { Contents = [], TimeToLive = TimeSpan.FromMinutes(1), CacheScope = CacheScope.Private };
        var plain = new ReadResourceResult { Contents = [] };

        CachePolicy.ForRead(PerRequest(), fromBackend).TimeToLive.ShouldBe(TimeSpan.FromMinutes(1));
        fromBackend.CacheScope.ShouldBe(CacheScope.Private);
        CachePolicy.ForRead(PerRequest(), plain).TimeToLive.ShouldBe(TimeSpan.Zero);
        plain.CacheScope.ShouldBe(CacheScope.Public);
    }

    [Fact]
    public void ForRead_OnALegacySession_DropsTheBackendsHints()
    {
        var result = CachePolicy.ForRead(new GatewaySession("s", SessionFilter.None),
            new ReadResourceResult { Contents = [], TimeToLive = TimeSpan.FromMinutes(1), CacheScope = CacheScope.Public });

        result.TimeToLive.ShouldBeNull();
        result.CacheScope.ShouldBeNull();
    }

    [Fact]
    public void EngineLists_OnAPerRequestSession_CarryTheHints()
    {
        using var fixture = new EngineFixture(Backend.Named("alpha").Connected(Caps.New().Tools("t").Prompts("p").Resources("file:///a").Templates("file:///a/{id}")));
        var session = PerRequest();

        fixture.Engine.ListTools(session, null).CacheScope.ShouldBe(CacheScope.Public);
        fixture.Engine.ListPrompts(session, null).TimeToLive.ShouldBe(CachePolicy.ListTimeToLive);
        fixture.Engine.ListResources(session, null).TimeToLive.ShouldBe(CachePolicy.ListTimeToLive);
        fixture.Engine.ListResourceTemplates(session, null).CacheScope.ShouldBe(CacheScope.Public);
        fixture.Engine.ListTools(fixture.Session(), null).TimeToLive.ShouldBeNull();
    }
}
