using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

/// <summary>Regressions found by review: each failed before its fix.</summary>
public sealed class RegressionTests
{
    private static readonly ServerName Db = ServerName.From("db");

    // Bug 1: InFlightRequests keeps the caller of the most recently *entered* request of a session, even after
    // that request ended while an earlier one of the same session is still running.
    [Fact]
    public void CallersOn_WhenLaterRequestOfSameSessionEnded_PointsAtTheRequestStillRunning()
    {
        var inFlight = new InFlightRequests();
        var session = new GatewaySession("s", SessionFilter.None);
        var first = new RecordingPeer("first");
        var second = new RecordingPeer("second");
        using var outer = inFlight.Enter(Db, session, first);
        var inner = inFlight.Enter(Db, session, second);

        inner.Dispose();

        inFlight.CallersOn(Db).ShouldBe([first]);
    }

    [Fact]
    public async Task SampleAsync_WhenOtherCallOfSameSessionFinished_AsksTheCallThatIsStillRunning()
    {
        var db = Backend.Named("db").Connected(Caps.New().Tools("slow", "fast"));
        using var fixture = new EngineFixture(db);
        var session = fixture.Session();
        var slowCaller = new RecordingPeer("slow-caller");
        var fastCaller = new RecordingPeer("fast-caller");
        var hold = db.Hold(RequestMethods.ToolsCall);
        var slow = fixture.Engine.CallToolAsync(session, slowCaller, new CallToolRequestParams { Name = "db_1mcp_slow" }, CancellationToken.None).AsTask();
        await hold.Entered.WaitAsync(EngineFixture.Timeout);
        await fixture.Engine.CallToolAsync(session, fastCaller, new CallToolRequestParams { Name = "db_1mcp_fast" }, CancellationToken.None);

        // Only the slow call is still running on db: its sampling request must go to its own caller.
        await fixture.Notifier.SampleAsync(db.Name, new CreateMessageRequestParams { MaxTokens = 1, Messages = [] }, CancellationToken.None);

        hold.Release();
        await slow.WaitAsync(EngineFixture.Timeout);
        slowCaller.Requests.Count.ShouldBe(1);
        fastCaller.Requests.ShouldBeEmpty();
    }

    // Bug 2: a server name ending in "_1mcp" is accepted, but its prefixed names split at the wrong separator.
    [Theory]
    [InlineData("x_1mcp")]
    [InlineData("a_1mcp")]
    public void TryValidate_WhenServerNameEndsWith1mcp_RefusesIt(string name)
    {
        // "x_1mcp" + "_1mcp_" + "t" would split at the first separator into server "x" and tool "1mcp_t".
        ServerName.TryValidate(name, out var error).ShouldBeFalse();
        error.ShouldContain("_1mcp");
    }

    // Bug 3: resource subscriptions do not survive a backend reconnect: the gateway's refcount says
    // "subscribed", but the new backend process/session never received resources/subscribe.
    [Fact]
    public async Task SubscribeAsync_WhenBackendReconnectedSinceTheFirstSubscription_SubscribesTheNewConnection()
    {
        var docs = Backend.Named("docs").Connected(Caps.New().Resources("file:///a").WithSubscribe());
        using var fixture = new EngineFixture(docs);
        await fixture.Engine.SubscribeAsync(fixture.Session(), "docs_1mcp_file:///a", CancellationToken.None);

        // The backend restarts: a new process that knows nothing about earlier subscriptions.
        docs.Status = BackendStatus.Restarting;
        fixture.Notifier.BackendChanged(docs, CapabilityKinds.All);
        docs.Status = BackendStatus.Connected;
        fixture.Notifier.BackendConnected(docs);

        // The renewal runs in the background of the connect event; wait for it, bounded.
        for (var waited = 0; docs.UrisOf(RequestMethods.ResourcesSubscribe).Count < 2 && waited < 5000; waited += 10)
        {
            await Task.Delay(10);
        }

        docs.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe(["file:///a", "file:///a"]);
    }

    // Bug 4 (minor): a URL change in the user-info part is neither a reconnect nor a metadata change.
    [Fact]
    public void RequiresReconnectComparedTo_WhenUrlCredentialsChange_IsTrue()
    {
        var before = new StreamableHttpBackendSettings { Name = ServerName.From("a"), Url = new Uri("https://user:old@svc.example.test/mcp") };
        var after = before with { Url = new Uri("https://user:new@svc.example.test/mcp") };

        (before.RequiresReconnectComparedTo(after) || before.MetadataDiffersFrom(after)).ShouldBeTrue();
    }
}
