using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

public sealed class ResourceSubscriptionTests
{
    private const string Prefixed = "docs_1mcp_file:///readme.md";
    private const string Uri = "file:///readme.md";

    private static EngineFixture Fixture(out FakeBackend docs, bool subscribable = true)
    {
        var caps = Caps.New().Resources(Uri, "file:///other.md");
        docs = Backend.Named("docs").Tagged("docs").Connected(subscribable ? caps.WithSubscribe() : caps);
        return new EngineFixture(docs);
    }

    [Fact]
    public async Task SubscribeAsync_WhenFirstSession_SubscribesTheBackendWithTheUnprefixedUri()
    {
        using var fixture = Fixture(out var docs);
        var session = fixture.Session();

        await fixture.Engine.SubscribeAsync(session, Prefixed, CancellationToken.None);

        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri]);
        session.IsSubscribed(Prefixed).ShouldBeTrue();
    }

    [Fact]
    public async Task SubscribeAsync_WhenSecondSessionSubscribesSameUri_DoesNotSubscribeTheBackendAgain()
    {
        using var fixture = Fixture(out var docs);
        var first = fixture.Session();
        var second = fixture.Session();

        await fixture.Engine.SubscribeAsync(first, Prefixed, CancellationToken.None);
        await fixture.Engine.SubscribeAsync(second, Prefixed, CancellationToken.None);

        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri]);
        first.IsSubscribed(Prefixed).ShouldBeTrue();
        second.IsSubscribed(Prefixed).ShouldBeTrue();
    }

    [Fact]
    public async Task SubscribeAsync_WhenDifferentUris_SubscribesEachOnce()
    {
        using var fixture = Fixture(out var docs);
        var session = fixture.Session();

        await fixture.Engine.SubscribeAsync(session, Prefixed, CancellationToken.None);
        await fixture.Engine.SubscribeAsync(session, "docs_1mcp_file:///other.md", CancellationToken.None);

        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri, "file:///other.md"]);
    }

    [Fact]
    public async Task UnsubscribeAsync_WhenOtherSessionsStillSubscribed_KeepsTheBackendSubscribedUntilTheLastLeaves()
    {
        using var fixture = Fixture(out var docs);
        var first = fixture.Session();
        var second = fixture.Session();
        await fixture.Engine.SubscribeAsync(first, Prefixed, CancellationToken.None);
        await fixture.Engine.SubscribeAsync(second, Prefixed, CancellationToken.None);

        await fixture.Engine.UnsubscribeAsync(first, Prefixed, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBeEmpty();
        first.IsSubscribed(Prefixed).ShouldBeFalse();

        await fixture.Engine.UnsubscribeAsync(second, Prefixed, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBe([Uri]);
    }

    [Fact]
    public async Task SubscribeAsync_WhenSameSessionSubscribesTwice_CountsItOnce()
    {
        using var fixture = Fixture(out var docs);
        var repeated = fixture.Session();
        var other = fixture.Session();
        await fixture.Engine.SubscribeAsync(repeated, Prefixed, CancellationToken.None);
        await fixture.Engine.SubscribeAsync(repeated, Prefixed, CancellationToken.None);
        await fixture.Engine.SubscribeAsync(other, Prefixed, CancellationToken.None);

        await fixture.Engine.UnsubscribeAsync(repeated, Prefixed, CancellationToken.None);
        await fixture.Engine.UnsubscribeAsync(other, Prefixed, CancellationToken.None);

        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri]);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBe([Uri]);
    }

    [Fact]
    public async Task UnsubscribeAsync_WhenSessionNeverSubscribed_LeavesOthersSubscribed()
    {
        using var fixture = Fixture(out var docs);
        var subscriber = fixture.Session();
        var stranger = fixture.Session();
        await fixture.Engine.SubscribeAsync(subscriber, Prefixed, CancellationToken.None);

        await fixture.Engine.UnsubscribeAsync(stranger, Prefixed, CancellationToken.None);
        await fixture.Engine.UnsubscribeAsync(stranger, Prefixed, CancellationToken.None);

        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBeEmpty();
        await fixture.Engine.UnsubscribeAsync(subscriber, Prefixed, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBe([Uri]);
    }

    [Fact]
    public async Task ReleaseSessionAsync_WhenSessionsClose_UnsubscribesTheBackendWhenTheLastOneCloses()
    {
        using var fixture = Fixture(out var docs);
        var first = fixture.Session();
        var second = fixture.Session();
        await fixture.Engine.SubscribeAsync(first, Prefixed, CancellationToken.None);
        await fixture.Engine.SubscribeAsync(second, Prefixed, CancellationToken.None);
        await fixture.Engine.SubscribeAsync(second, "docs_1mcp_file:///other.md", CancellationToken.None);

        await fixture.Subscriptions.ReleaseSessionAsync(first, fixture.Pool, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBeEmpty();

        await fixture.Subscriptions.ReleaseSessionAsync(second, fixture.Pool, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).Order(StringComparer.Ordinal).ShouldBe(["file:///other.md", Uri]);
        second.IsSubscribed(Prefixed).ShouldBeFalse();
    }

    [Fact]
    public async Task ReleaseSessionAsync_WhenSessionHasNoSubscriptions_CallsNothing()
    {
        using var fixture = Fixture(out var docs);

        await fixture.Subscriptions.ReleaseSessionAsync(fixture.Session(), fixture.Pool, CancellationToken.None);

        docs.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task ReleaseSessionAsync_WhenBackendNoLongerConnected_DropsTheCountWithoutCallingIt()
    {
        using var fixture = Fixture(out var docs);
        var session = fixture.Session();
        await fixture.Engine.SubscribeAsync(session, Prefixed, CancellationToken.None);
        docs.Status = BackendStatus.Error;

        await fixture.Subscriptions.ReleaseSessionAsync(session, fixture.Pool, CancellationToken.None);

        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBeEmpty();
        docs.Status = BackendStatus.Connected;
        await fixture.Engine.SubscribeAsync(fixture.Session(), Prefixed, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri, Uri]);
    }

    [Fact]
    public async Task SubscribeAsync_WhenBackendRefuses_PropagatesAndLeavesNothingSubscribed()
    {
        using var fixture = Fixture(out var docs);
        var session = fixture.Session();
        docs.Fail(RequestMethods.ResourcesSubscribe, new McpProtocolException("no", McpErrorCode.InternalError));

        await Should.ThrowAsync<McpProtocolException>(async () => await fixture.Engine.SubscribeAsync(session, Prefixed, CancellationToken.None));

        session.IsSubscribed(Prefixed).ShouldBeFalse();
        docs.StopFailing(RequestMethods.ResourcesSubscribe);
        await fixture.Engine.SubscribeAsync(session, Prefixed, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri, Uri]);
        session.IsSubscribed(Prefixed).ShouldBeTrue();
    }

    [Fact]
    public async Task SubscribeAsync_WhenBackendDoesNotSupportSubscriptions_ThrowsNotSupported()
    {
        using var fixture = Fixture(out var docs, subscribable: false);
        var session = fixture.Session();

        var ex = await Should.ThrowAsync<McpProtocolException>(async () => await fixture.Engine.SubscribeAsync(session, Prefixed, CancellationToken.None));

        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        ex.Message.ShouldBe("Server 'docs' does not support resource subscriptions.");
        docs.Calls.ShouldBeEmpty();
        session.IsSubscribed(Prefixed).ShouldBeFalse();
    }

    [Theory]
    [InlineData("docs", null, "ghost_1mcp_file:///readme.md")]
    [InlineData("docs", null, "file:///readme.md")]
    [InlineData("web", null, Prefixed)]
    [InlineData(null, "not docs", Prefixed)]
    public async Task SubscribeAsync_WhenResourceNotResolvable_ThrowsUnknownResource(string? tags, string? tagFilter, string uri)
    {
        using var fixture = Fixture(out var docs);
        var session = fixture.Session(tags, tagFilter);

        var ex = await Should.ThrowAsync<McpProtocolException>(async () => await fixture.Engine.SubscribeAsync(session, uri, CancellationToken.None));

        ex.Message.ShouldBe($"Unknown resource: '{uri}'.");
        docs.Calls.ShouldBeEmpty();
        session.IsSubscribed(uri).ShouldBeFalse();
    }

    [Fact]
    public async Task UnsubscribeAsync_WhenResourceNotResolvable_ThrowsUnknownResource()
    {
        using var fixture = Fixture(out var docs);

        var ex = await Should.ThrowAsync<McpProtocolException>(
            async () => await fixture.Engine.UnsubscribeAsync(fixture.Session(tags: "web"), Prefixed, CancellationToken.None));

        ex.Message.ShouldBe($"Unknown resource: '{Prefixed}'.");
        docs.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task SubscribeAsync_WhileAnotherUrisBackendSubscribeIsSlow_CompletesWithoutWaitingForIt()
    {
        using var fixture = Fixture(out var docs);
        var slow = docs.Hold(RequestMethods.ResourcesSubscribe);
        var first = fixture.Engine.SubscribeAsync(fixture.Session(), Prefixed, CancellationToken.None).AsTask();
        await slow.Entered.WaitAsync(EngineFixture.Timeout);
        var other = fixture.Session();

        await fixture.Engine.SubscribeAsync(other, "docs_1mcp_file:///other.md", CancellationToken.None).AsTask().WaitAsync(EngineFixture.Timeout);

        other.IsSubscribed("docs_1mcp_file:///other.md").ShouldBeTrue();
        first.IsCompleted.ShouldBeFalse();
        slow.Release();
        await first.WaitAsync(EngineFixture.Timeout);
    }

    [Fact]
    public async Task SubscribeAsync_WhenTwoSessionsSubscribeTheSameUriConcurrently_SubscribesTheBackendOnceAndCountsBoth()
    {
        using var fixture = Fixture(out var docs);
        var slow = docs.Hold(RequestMethods.ResourcesSubscribe);
        var first = fixture.Session();
        var second = fixture.Session();
        var firstTask = fixture.Engine.SubscribeAsync(first, Prefixed, CancellationToken.None).AsTask();
        await slow.Entered.WaitAsync(EngineFixture.Timeout);
        var secondTask = fixture.Engine.SubscribeAsync(second, Prefixed, CancellationToken.None).AsTask();

        slow.Release();
        await Task.WhenAll(firstTask, secondTask).WaitAsync(EngineFixture.Timeout);

        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri]);
        await fixture.Engine.UnsubscribeAsync(first, Prefixed, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBeEmpty();
        await fixture.Engine.UnsubscribeAsync(second, Prefixed, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBe([Uri]);
    }

    [Fact]
    public async Task SubscribeAsync_WhileTheLastSubscriberIsUnsubscribingTheSameUri_SubscribesTheBackendAgainAfterIt()
    {
        using var fixture = Fixture(out var docs);
        var leaving = fixture.Session();
        var joining = fixture.Session();
        await fixture.Engine.SubscribeAsync(leaving, Prefixed, CancellationToken.None);
        var slow = docs.Hold(RequestMethods.ResourcesUnsubscribe);
        var unsubscribe = fixture.Engine.UnsubscribeAsync(leaving, Prefixed, CancellationToken.None).AsTask();
        await slow.Entered.WaitAsync(EngineFixture.Timeout);
        var subscribe = fixture.Engine.SubscribeAsync(joining, Prefixed, CancellationToken.None).AsTask();

        slow.Release();
        await Task.WhenAll(unsubscribe, subscribe).WaitAsync(EngineFixture.Timeout);

        // Unsubscribed by the last one out, then subscribed again for the newcomer: the backend follows the resource.
        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri, Uri]);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBe([Uri]);
        joining.IsSubscribed(Prefixed).ShouldBeTrue();
    }

    [Fact]
    public async Task SubscribeAsync_WhenTheSessionIsAtTheCap_RefusesWithAClearErrorAndChangesNothing()
    {
        var docs = Backend.Named("docs").Tagged("docs").Connected(Caps.New().Resources(Uri, "file:///other.md", "file:///third.md").WithSubscribe());
        using var subscriptions = new ResourceSubscriptions(maxPerSession: 2);
        using var fixture = new EngineFixture(docs);
        var engine = new GatewayEngine(fixture.Pool, fixture.Catalog, fixture.InFlight, subscriptions, fixture.Audit, TimeProvider.System);
        var session = fixture.Session();
        await engine.SubscribeAsync(session, Prefixed, CancellationToken.None);
        await engine.SubscribeAsync(session, "docs_1mcp_file:///other.md", CancellationToken.None);

        var ex = await Should.ThrowAsync<McpProtocolException>(async () => await engine.SubscribeAsync(session, "docs_1mcp_file:///third.md", CancellationToken.None));

        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidRequest);
        ex.Message.ShouldBe("This session already follows 2 resources, the most one session may; unsubscribe from one before subscribing to another.");
        session.IsSubscribed("docs_1mcp_file:///third.md").ShouldBeFalse();
        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri, "file:///other.md"]);
        await engine.SubscribeAsync(session, Prefixed, CancellationToken.None);
        await engine.SubscribeAsync(fixture.Session(), "docs_1mcp_file:///third.md", CancellationToken.None);
        await engine.UnsubscribeAsync(session, Prefixed, CancellationToken.None);
        await engine.SubscribeAsync(session, "docs_1mcp_file:///third.md", CancellationToken.None);
        session.IsSubscribed("docs_1mcp_file:///third.md").ShouldBeTrue();
    }

    [Theory]
    [InlineData(BackendStatus.Restarting)]
    [InlineData(BackendStatus.Error)]
    public async Task UnsubscribeAsync_WhileTheBackendReconnects_IsHonouredAndTheBackendIsNotSubscribedAgain(BackendStatus down)
    {
        // Before: "Unknown resource", the subscription stayed, and the reconnected backend was subscribed again for a
        // session that went on getting its updates.
        using var fixture = Fixture(out var docs);
        var session = fixture.Session();
        await fixture.Engine.SubscribeAsync(session, Prefixed, CancellationToken.None);
        docs.Status = down;

        await fixture.Engine.UnsubscribeAsync(session, Prefixed, CancellationToken.None);

        session.IsSubscribed(Prefixed).ShouldBeFalse();
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBeEmpty();
        docs.Status = BackendStatus.Connected;
        await fixture.Subscriptions.ResubscribeAsync(docs, CancellationToken.None);
        fixture.Router.ResourceUpdated(docs, Uri);
        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri]);
        EngineFixture.PeerOf(session).Methods.ShouldNotContain(NotificationMethods.ResourceUpdatedNotification);
    }

    [Fact]
    public async Task UnsubscribeAsync_WhileTheBackendReconnects_KeepsTheOtherSubscribersOfTheResource()
    {
        using var fixture = Fixture(out var docs);
        var leaving = fixture.Session();
        var staying = fixture.Session();
        await fixture.Engine.SubscribeAsync(leaving, Prefixed, CancellationToken.None);
        await fixture.Engine.SubscribeAsync(staying, Prefixed, CancellationToken.None);
        docs.Status = BackendStatus.Restarting;

        await fixture.Engine.UnsubscribeAsync(leaving, Prefixed, CancellationToken.None);
        docs.Status = BackendStatus.Connected;
        await fixture.Subscriptions.ResubscribeAsync(docs, CancellationToken.None);
        fixture.Router.ResourceUpdated(docs, Uri);

        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe([Uri, Uri]);
        EngineFixture.PeerOf(staying).Methods.ShouldContain(NotificationMethods.ResourceUpdatedNotification);
        EngineFixture.PeerOf(leaving).Methods.ShouldNotContain(NotificationMethods.ResourceUpdatedNotification);
        await fixture.Engine.UnsubscribeAsync(staying, Prefixed, CancellationToken.None);
        docs.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBe([Uri]);
    }

    [Fact]
    public async Task UnsubscribeAsync_WhenTheBackendWasRemoved_IsHonoured()
    {
        using var fixture = Fixture(out var docs);
        var session = fixture.Session();
        await fixture.Engine.SubscribeAsync(session, Prefixed, CancellationToken.None);
        fixture.Pool.Remove(docs.Name);

        await fixture.Engine.UnsubscribeAsync(session, Prefixed, CancellationToken.None);

        session.IsSubscribed(Prefixed).ShouldBeFalse();
    }

    [Fact]
    public async Task UnsubscribeAsync_WhileTheBackendReconnects_ForAResourceTheSessionDoesNotFollow_ThrowsUnknownResource()
    {
        using var fixture = Fixture(out var docs);
        docs.Status = BackendStatus.Restarting;

        var ex = await Should.ThrowAsync<McpProtocolException>(
            async () => await fixture.Engine.UnsubscribeAsync(fixture.Session(), Prefixed, CancellationToken.None));

        ex.Message.ShouldBe($"Unknown resource: '{Prefixed}'.");
        docs.Calls.ShouldBeEmpty();
    }

    // Regression: resource subscriptions do not survive a backend reconnect: the gateway's refcount says
    // "subscribed", but the new backend process/session never received resources/subscribe.
    [Fact]
    public async Task SubscribeAsync_WhenBackendReconnectedSinceTheFirstSubscription_SubscribesTheNewConnection()
    {
        var docs = Backend.Named("docs").Connected(Caps.New().Resources("file:///a").WithSubscribe());
        using var fixture = new EngineFixture(docs);
        await fixture.Engine.SubscribeAsync(fixture.Session(), "docs_1mcp_file:///a", CancellationToken.None);

        // The backend restarts: a new process that knows nothing about earlier subscriptions.
        docs.Status = BackendStatus.Restarting;
        fixture.Router.BackendChanged(docs, CapabilityKinds.All);
        docs.Status = BackendStatus.Connected;
        fixture.Router.BackendConnected(docs);

        // The renewal runs in the background of the connect event; wait for it, bounded.
        for (var waited = 0; docs.UrisOf(RequestMethods.ResourcesSubscribe).Count < 2 && waited < 5000; waited += 10)
        {
            await Task.Delay(10);
        }

        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe(["file:///a", "file:///a"]);
    }
}
