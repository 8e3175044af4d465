using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Authorization;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

/// <summary>
/// <c>subscriptions/listen</c> (2026-07-28) through <see cref="OneMcp.Application.Gateway.Listening.ListenService"/> and
/// the router's fan-out, and the per-request log level.
/// </summary>
public sealed class ListenServiceTests
{
    private const string SubscriptionIdKey = "io.modelcontextprotocol/subscriptionId";
    private const string DocsUri = "docs_1mcp_file:///readme.md";

    private static readonly FakeBackend[] NoBackends = [];

    [Fact]
    public async Task Listen_AcknowledgesFirst_GrantingTheListKindsAndOnlyTheUrisTheRequestCanSee()
    {
        var docs = Docs();
        var hidden = Backend.Named("vault").Tagged("secret").Connected(Caps.New().Resources("file:///key").WithSubscribe());
        using var fixture = new EngineFixture(docs, hidden);
        await using var listen = Listen(fixture, tags: "docs", new SubscriptionsListenNotifications
        {
            ToolsListChanged = true,
            ResourcesListChanged = true,
            ResourceSubscriptions = [DocsUri, "vault_1mcp_file:///key", "nobody_1mcp_x"],
        });

        var ack = await listen.Peer.NextAsync();

        ack.Method.ShouldBe(NotificationMethods.SubscriptionsAcknowledgedNotification);
        ack.Params!["_meta"]![SubscriptionIdKey]!.GetValue<string>().ShouldBe("listen:1");
        var granted = ack.Params["notifications"]!.AsObject();
        granted["toolsListChanged"]!.GetValue<bool>().ShouldBeTrue();
        granted["resourcesListChanged"]!.GetValue<bool>().ShouldBeTrue();
        granted.ContainsKey("promptsListChanged").ShouldBeFalse();
        granted["resourceSubscriptions"]!.AsArray().Select(u => u!.GetValue<string>()).ShouldBe([DocsUri]);
        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe(["file:///readme.md"]);
        hidden.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBeEmpty();
    }

    [Fact]
    public async Task BackendChanged_ReachesTheListenersThatSeeIt_TaggedAndOnlyInGrantedKinds()
    {
        var web = Backend.Named("web").Tagged("web").Connected(Caps.New());
        var db = Backend.Named("db").Tagged("db").Connected(Caps.New());
        using var fixture = new EngineFixture(web, db);
        await using var everything = Listen(fixture, tags: null, new SubscriptionsListenNotifications { ToolsListChanged = true });
        await using var dbOnly = Listen(fixture, tags: "db", new SubscriptionsListenNotifications { ToolsListChanged = true, PromptsListChanged = true }, "listen:2");
        await everything.Peer.NextAsync();
        await dbOnly.Peer.NextAsync();

        fixture.Router.BackendChanged(web, CapabilityKinds.All);
        fixture.Router.BackendChanged(db, CapabilityKinds.Prompts);

        var first = await everything.Peer.NextAsync();
        first.Method.ShouldBe(NotificationMethods.ToolListChangedNotification);
        first.Params!["_meta"]![SubscriptionIdKey]!.GetValue<string>().ShouldBe("listen:1");

        // Sent in order: the db-only listener's first notification is db's change, so web's was never queued for it.
        var dbChange = await dbOnly.Peer.NextAsync();
        dbChange.Method.ShouldBe(NotificationMethods.PromptListChangedNotification);
        dbChange.Params!["_meta"]![SubscriptionIdKey]!.GetValue<string>().ShouldBe("listen:2");
    }

    [Fact]
    public async Task ATokenLimitedListener_FollowsOnlyWhatItsGrantReaches()
    {
        var docs = Docs();
        var web = Backend.Named("web").Tagged("web").Connected(Caps.New());
        using var fixture = new EngineFixture(docs, web);
        var session = new GatewaySession("granted", SessionFilter.None) { PerRequest = true, Grant = TagGrant.FromScopes(["tag:web"], ScopeMatch.Any) };
        var peer = new StreamPeer();
        using var closed = new CancellationTokenSource();
        var running = fixture.Listening.ListenAsync(
            session, peer, new RequestId(7), new SubscriptionsListenNotifications { ToolsListChanged = true, PromptsListChanged = true, ResourceSubscriptions = [DocsUri] }, CancellationToken.None, closed.Token);

        var ack = await peer.NextAsync();
        ack.Params!["notifications"]!.AsObject().ContainsKey("resourceSubscriptions").ShouldBeFalse();
        ack.Params["_meta"]![SubscriptionIdKey]!.GetValue<int>().ShouldBe(7);
        fixture.Router.BackendChanged(docs, CapabilityKinds.Tools);
        fixture.Router.BackendChanged(web, CapabilityKinds.Prompts);

        // In order: the first is web's, so the change of docs (outside the grant) was never queued.
        var first = await peer.NextAsync();
        first.Method.ShouldBe(NotificationMethods.PromptListChangedNotification);
        await closed.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(running.AsTask());
        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBeEmpty();
        fixture.Listeners.Count.ShouldBe(0);
    }

    [Fact]
    public async Task ResourceUpdated_ReachesTheListenerThatFollowsIt_WithThePrefixedUri()
    {
        var docs = Docs();
        using var fixture = new EngineFixture(docs);
        await using var listen = Listen(fixture, tags: null, new SubscriptionsListenNotifications { ResourceSubscriptions = [DocsUri] });
        await listen.Peer.NextAsync();

        fixture.Router.ResourceUpdated(docs, "file:///other.md");
        fixture.Router.ResourceUpdated(docs, "file:///readme.md");

        var updated = await listen.Peer.NextAsync();
        updated.Method.ShouldBe(NotificationMethods.ResourceUpdatedNotification);
        updated.Params!["uri"]!.GetValue<string>().ShouldBe(DocsUri);
        updated.Params["_meta"]![SubscriptionIdKey]!.GetValue<string>().ShouldBe("listen:1");
    }

    [Fact]
    public async Task ResourceUpdated_ReachesAListenerOfOneBackend_WithTheBackendsOwnUri()
    {
        var docs = Docs();
        using var fixture = new EngineFixture(docs);
        var session = new GatewaySession($"listen-{Guid.NewGuid():N}", SessionFilter.None) { PerRequest = true, OnlyBackend = docs.Name };
        var peer = new StreamPeer();
        session.Attach(peer);
        var closed = new CancellationTokenSource();
        var stopping = new CancellationTokenSource();
        var running = fixture.Listening.ListenAsync(
            session, peer, new RequestId("listen:7"), new SubscriptionsListenNotifications { ResourceSubscriptions = ["file:///readme.md"] }, stopping.Token, closed.Token).AsTask();
        await using var listen = new RunningListen(session, peer, running, closed, stopping);
        await peer.NextAsync();

        fixture.Router.ResourceUpdated(docs, "file:///readme.md");

        var updated = await peer.NextAsync();
        updated.Params!["uri"]!.GetValue<string>().ShouldBe("file:///readme.md");
    }

    [Fact]
    public async Task WhenTheClientCloses_TheListenerIsUnregistered_AndTheBackendSubscriptionReleased()
    {
        var docs = Docs();
        using var fixture = new EngineFixture(docs);
        var listen = Listen(fixture, tags: null, new SubscriptionsListenNotifications { ToolsListChanged = true, ResourceSubscriptions = [DocsUri] });
        await listen.Peer.NextAsync();
        fixture.Listeners.Count.ShouldBe(1);

        await listen.DisposeAsync();

        fixture.Listeners.Count.ShouldBe(0);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBe(["file:///readme.md"]);
        listen.Session.IsSubscribed(DocsUri).ShouldBeFalse();
    }

    [Fact]
    public async Task WhenTheGatewayStops_TheStreamEndsWithAResultCarryingItsSubscriptionId()
    {
        using var fixture = new EngineFixture(NoBackends);
        await using var listen = Listen(fixture, tags: null, new SubscriptionsListenNotifications { ToolsListChanged = true });
        await listen.Peer.NextAsync();

        await listen.Stopping.CancelAsync();
        var result = await listen.Running.WaitAsync(EngineFixture.Timeout);

        result.Meta![SubscriptionIdKey]!.GetValue<string>().ShouldBe("listen:1");
        fixture.Listeners.Count.ShouldBe(0);
    }

    [Fact]
    public async Task PresetChanged_TheListenerOpenedWithItFollowsTheNewExpression_AndIsTold()
    {
        var web = Backend.Named("web").Tagged("web").Connected(Caps.New());
        using var fixture = new EngineFixture(web);
        var preset = SessionFilter.FromQuery(null, null, "team", _ => "db");
        await using var listen = Listen(fixture, preset, new SubscriptionsListenNotifications { ToolsListChanged = true }, "listen:1");
        await listen.Peer.NextAsync();
        listen.Session.CanSee(web).ShouldBeFalse();

        fixture.Router.PresetChanged("team", TagFilter.Parse("web"));

        (await listen.Peer.NextAsync()).Method.ShouldBe(NotificationMethods.ToolListChangedNotification);
        listen.Session.CanSee(web).ShouldBeTrue();
    }

    [Theory]
    [InlineData("info", LoggingLevel.Warning, true)]
    [InlineData("warning", LoggingLevel.Warning, true)]
    [InlineData("error", LoggingLevel.Warning, false)]
    [InlineData(null, LoggingLevel.Emergency, false)]
    public void LogMessage_ReachesARequestInFlightOnTheBackend_OnlyAtOrAboveTheLevelInItsMeta(string? level, LoggingLevel messageLevel, bool forwarded)
    {
        var db = Backend.Named("db").Tagged("db").Connected(Caps.New());
        using var fixture = new EngineFixture(db);
        var request = new GatewaySession("r1", SessionFilter.None) { PerRequest = true };
        request.TakeLogLevelFrom(level is null ? new JsonObject() : new JsonObject { ["_meta"] = new JsonObject { ["io.modelcontextprotocol/logLevel"] = level } });
        var stream = new RecordingPeer("request-stream");
        request.Attach(stream);

        using (fixture.InFlight.Enter(db.Name, request, stream))
        {
            fixture.Router.LogMessage(db, new LoggingMessageNotificationParams { Level = messageLevel, Data = JsonSerializer.SerializeToElement("hello") });
        }

        fixture.Router.LogMessage(db, new LoggingMessageNotificationParams { Level = LoggingLevel.Emergency, Data = JsonSerializer.SerializeToElement("after") });

        stream.Methods.ShouldBe(forwarded ? [NotificationMethods.LoggingMessageNotification] : []);
    }

    [Theory]
    [InlineData("\"loud\"")]
    [InlineData("3")]
    public void TakeLogLevelFrom_WhenTheLevelIsUnknown_IsInvalidParamsNamingTheField(string level)
    {
        var session = new GatewaySession("r1", SessionFilter.None) { PerRequest = true };
        var parameters = new JsonObject { ["_meta"] = new JsonObject { ["io.modelcontextprotocol/logLevel"] = JsonNode.Parse(level) } };

        var error = Should.Throw<McpProtocolException>(() => session.TakeLogLevelFrom(parameters));

        error.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        error.Message.ShouldContain("io.modelcontextprotocol/logLevel");
        session.LogLevel.ShouldBeNull();
    }

    private static FakeBackend Docs() =>
        Backend.Named("docs").Tagged("docs").Connected(Caps.New().Resources("file:///readme.md", "file:///other.md").WithSubscribe());

    private static RunningListen Listen(EngineFixture fixture, string? tags, SubscriptionsListenNotifications requested, string id = "listen:1") =>
        Listen(fixture, SessionFilter.FromQuery(tags, null, null, _ => null), requested, id);

    private static RunningListen Listen(EngineFixture fixture, SessionFilter filter, SubscriptionsListenNotifications requested, string id)
    {
        var session = new GatewaySession($"listen-{Guid.NewGuid():N}", filter) { PerRequest = true };
        var peer = new StreamPeer();
        session.Attach(peer);
        var closed = new CancellationTokenSource();
        var stopping = new CancellationTokenSource();
        var running = fixture.Listening.ListenAsync(session, peer, new RequestId(id), requested, stopping.Token, closed.Token).AsTask();
        return new RunningListen(session, peer, running, closed, stopping);
    }
}
