using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

/// <summary>Sampling, elicitation and roots requests a backend sends, routed by <see cref="InFlightRequests"/>.</summary>
public sealed class BackendToClientRequestTests
{
    public enum Kind
    {
        Sampling,
        Elicitation,
        Roots,
    }

    private static readonly ServerName Db = ServerName.From("db");
    private static readonly ServerName Web = ServerName.From("web");

    public static TheoryData<Kind> Kinds => [Kind.Sampling, Kind.Elicitation, Kind.Roots];

    private static EngineFixture Fixture() => new(
        Backend.Named("db").Connected(Caps.New()),
        Backend.Named("web").Connected(Caps.New()));

    private static object RequestFor(Kind kind) => kind switch
    {
        Kind.Sampling => new CreateMessageRequestParams { MaxTokens = 50, Messages = [] },
        Kind.Elicitation => new ElicitRequestParams { Message = "Which branch?" },
        _ => new ListRootsRequestParams(),
    };

    private static Task<object> AskAsync(EngineFixture fixture, Kind kind, ServerName server, object request)
    {
        fixture.Pool.TryGet(server, out var backend).ShouldBeTrue();
        return AskAsync(fixture, kind, backend, request);
    }

    private static async Task<object> AskAsync(EngineFixture fixture, Kind kind, IBackendConnection backend, object request) => kind switch
    {
        Kind.Sampling => await fixture.Router.SampleAsync(backend, (CreateMessageRequestParams)request, CancellationToken.None),
        Kind.Elicitation => await fixture.Router.ElicitAsync(backend, (ElicitRequestParams)request, CancellationToken.None),
        _ => await fixture.Router.ListRootsAsync(backend, (ListRootsRequestParams)request, CancellationToken.None),
    };

    private static object CannedResultOf(RecordingPeer peer, Kind kind) => kind switch
    {
        Kind.Sampling => peer.SampleResult,
        Kind.Elicitation => peer.ElicitResult,
        _ => peer.RootsResult,
    };

    private static void Withdraw(RecordingPeer peer, Kind kind)
    {
        switch (kind)
        {
            case Kind.Sampling:
                peer.SupportsSampling = false;
                break;
            case Kind.Elicitation:
                peer.SupportsElicitation = false;
                break;
            default:
                peer.SupportsRoots = false;
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Ask_WhenOneSessionHasARequestInFlight_GoesToThatRequestsCaller(Kind kind)
    {
        using var fixture = Fixture();
        var session = fixture.Session();
        var bystander = fixture.Session();
        var caller = new RecordingPeer("caller");
        var request = RequestFor(kind);
        using var scope = fixture.InFlight.Enter(Db, session, caller);

        var result = await AskAsync(fixture, kind, Db, request);

        result.ShouldBeSameAs(CannedResultOf(caller, kind));
        caller.Requests.ShouldBe([request]);
        EngineFixture.PeerOf(session).Requests.ShouldBeEmpty();
        EngineFixture.PeerOf(bystander).Requests.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Ask_WhenNoRequestInFlight_ThrowsInvalidRequestNamingTheServer(Kind kind)
    {
        using var fixture = Fixture();
        var caller = new RecordingPeer("caller");
        using var elsewhere = fixture.InFlight.Enter(Web, fixture.Session(), caller);

        var ex = await Should.ThrowAsync<McpProtocolException>(() => AskAsync(fixture, kind, Db, RequestFor(kind)));

        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidRequest);
        ex.Message.ShouldStartWith("Server 'db' sent ");
        ex.Message.ShouldContain("outside of any client request");
        caller.Requests.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Ask_WhenSeveralSessionsInFlight_ThrowsAmbiguousAndAsksNobody(Kind kind)
    {
        using var fixture = Fixture();
        var first = new RecordingPeer("first");
        var second = new RecordingPeer("second");
        using var a = fixture.InFlight.Enter(Db, fixture.Session(), first);
        using var b = fixture.InFlight.Enter(Db, fixture.Session(), second);

        var ex = await Should.ThrowAsync<McpProtocolException>(() => AskAsync(fixture, kind, Db, RequestFor(kind)));

        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidRequest);
        ex.Message.ShouldContain("several client sessions");
        first.Requests.ShouldBeEmpty();
        second.Requests.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(Kind.Sampling, "sampling")]
    [InlineData(Kind.Elicitation, "elicitation")]
    [InlineData(Kind.Roots, "roots")]
    public async Task Ask_WhenCallerLacksTheCapability_ThrowsSayingWhichOne(Kind kind, string capability)
    {
        using var fixture = Fixture();
        var caller = new RecordingPeer("caller");
        Withdraw(caller, kind);
        using var scope = fixture.InFlight.Enter(Db, fixture.Session(), caller);

        var ex = await Should.ThrowAsync<McpProtocolException>(() => AskAsync(fixture, kind, Db, RequestFor(kind)));

        ex.ErrorCode.ShouldBe(McpErrorCode.InvalidRequest);
        ex.Message.ShouldBe($"The client does not support {capability}.");
        caller.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Ask_WhenScopeDisposed_NoLongerFindsTheCaller()
    {
        using var fixture = Fixture();
        var scope = fixture.InFlight.Enter(Db, fixture.Session(), new RecordingPeer("caller"));

        scope.Dispose();

        await Should.ThrowAsync<McpProtocolException>(() => AskAsync(fixture, Kind.Sampling, Db, RequestFor(Kind.Sampling)));
        fixture.InFlight.CallersOn(Db).ShouldBeEmpty();
    }

    [Fact]
    public async Task Ask_WhenOneSessionHasNestedRequestsInFlight_IsNotAmbiguous()
    {
        using var fixture = Fixture();
        var session = fixture.Session();
        var caller = new RecordingPeer("caller");
        using var outer = fixture.InFlight.Enter(Db, session, caller);
        using var inner = fixture.InFlight.Enter(Db, session, caller);

        var result = await AskAsync(fixture, Kind.Roots, Db, RequestFor(Kind.Roots));

        result.ShouldBeSameAs(caller.RootsResult);
    }

    [Fact]
    public void Exit_WhenNestedScopesOfOneSession_KeepsItInFlightUntilTheLastOneEnds()
    {
        using var fixture = Fixture();
        var inFlight = fixture.InFlight;
        var session = fixture.Session();
        var caller = new RecordingPeer("caller");

        var outer = inFlight.Enter(Db, session, caller);
        var inner = inFlight.Enter(Db, session, caller);
        inFlight.CallersOn(Db).ShouldBe([caller]);

        inner.Dispose();
        inFlight.CallersOn(Db).ShouldBe([caller]);

        outer.Dispose();
        inFlight.CallersOn(Db).ShouldBeEmpty();
    }

    [Fact]
    public void Exit_WhenTwoSessionsInFlight_ReleasesOnlyTheOneThatEnded()
    {
        using var fixture = Fixture();
        var inFlight = fixture.InFlight;
        var first = new RecordingPeer("first");
        var second = new RecordingPeer("second");
        var a = inFlight.Enter(Db, fixture.Session(), first);
        using var b = inFlight.Enter(Db, fixture.Session(), second);

        inFlight.CallersOn(Db).Count.ShouldBe(2);
        a.Dispose();

        inFlight.CallersOn(Db).ShouldBe([second]);
    }

    [Fact]
    public void Exit_WhenSessionInFlightOnTwoBackends_TracksEachBackendSeparately()
    {
        using var fixture = Fixture();
        var inFlight = fixture.InFlight;
        var session = fixture.Session();
        var caller = new RecordingPeer("caller");
        var onDb = inFlight.Enter(Db, session, caller);
        using var onWeb = inFlight.Enter(Web, session, caller);

        onDb.Dispose();

        inFlight.CallersOn(Db).ShouldBeEmpty();
        inFlight.CallersOn(Web).ShouldBe([caller]);
    }

    [Fact]
    public void Dispose_WhenDefaultScope_DoesNothing()
    {
        var scope = default(InFlightRequests.Scope);

        Should.NotThrow(scope.Dispose);
    }

    private static readonly ServerName DbName = ServerName.From("db");

    // Regression: InFlightRequests keeps the caller of the most recently *entered* request of a session, even after
    // that request ended while an earlier one of the same session is still running.
    [Fact]
    public void CallersOn_WhenLaterRequestOfSameSessionEnded_PointsAtTheRequestStillRunning()
    {
        var inFlight = new InFlightRequests();
        var session = new GatewaySession("s", SessionFilter.None);
        var first = new RecordingPeer("first");
        var second = new RecordingPeer("second");
        using var outer = inFlight.Enter(DbName, session, first);
        var inner = inFlight.Enter(DbName, session, second);

        inner.Dispose();

        inFlight.CallersOn(DbName).ShouldBe([first]);
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
        await fixture.Router.SampleAsync(db, new CreateMessageRequestParams { MaxTokens = 1, Messages = [] }, CancellationToken.None);

        hold.Release();
        await slow.WaitAsync(EngineFixture.Timeout);
        slowCaller.Requests.Count.ShouldBe(1);
        fastCaller.Requests.ShouldBeEmpty();
    }
}
