using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Audit;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

/// <summary>The engine sends a per-user backend's calls to the caller's own connection, and says clearly when there is none.</summary>
public sealed class GatewayEnginePerUserTests : IDisposable
{
    private static readonly AuditActor Alice = new("alice", "alice-id", "client-1");
    private static readonly AuditActor Carol = new("carol", "carol-id", "client-1");

    private readonly FakeBackend _entry = new(
        Backend.Named("files").Build() with { Credentials = BackendCredentialMode.PerUser },
        Caps.New().Tools("env").Resources("file:///a.txt").Prompts("hello").Build());

    private readonly FakeBackend _alices = new(Backend.Named("files").Build(), Caps.New().Tools("env").Build());
    private readonly FakeBackend _locals = new(Backend.Named("files").Build(), Caps.New().Tools("env").Build());
    private readonly ScriptedPerUserBackends _perUser = new();
    private readonly FakePool _pool;
    private readonly RecordingAuditLog _audit = new();
    private readonly ResourceSubscriptions _subscriptions = new();
    private readonly InFlightRequests _inFlight = new();
    private readonly SessionRegistry _sessions = new();
    private readonly GatewayEngine _engine;
    private readonly SessionRouter _router;

    public GatewayEnginePerUserTests()
    {
        _pool = new FakePool(_entry);
        _perUser.Connections[new ConnectionOwner("alice-id")] = _alices;
        _perUser.Connections[ConnectionOwner.Local] = _locals;
        _engine = new GatewayEngine(
            _pool, new CapabilityCatalog(), _inFlight, _subscriptions, _audit, TimeProvider.System, null, NullLogger<GatewayEngine>.Instance,
            _perUser, new MyConnectionsLink(new Uri("https://gw.example.test/")));
        _router = new SessionRouter(_sessions, _inFlight, _subscriptions, new Application.Gateway.Listening.ListenerRegistry(), NullLogger<SessionRouter>.Instance);
    }

    private static GatewaySession Session(AuditActor actor)
    {
        var session = new GatewaySession("s-" + (actor.UserName ?? "anonymous"), SessionFilter.None) { Actor = actor };
        session.Attach(new RecordingPeer());
        return session;
    }

    [Fact]
    public async Task CallTool_OfAPerUserBackend_GoesToTheCallersOwnConnectionAndIsAuditedAsTheUsers()
    {
        await _engine.CallToolAsync(Session(Alice), new RecordingPeer(), new CallToolRequestParams { Name = "files_1mcp_env" }, CancellationToken.None);

        _alices.Requests<CallToolRequestParams>().ShouldHaveSingleItem().Name.ShouldBe("env");
        _entry.Calls.ShouldBeEmpty();
        _perUser.Asked.ShouldBe([new ConnectionOwner("alice-id")]);
        _audit.Entries.ShouldHaveSingleItem().Credentials.ShouldBe(AuditCredentials.User);
    }

    [Fact]
    public async Task CallTool_WithoutAuthentication_UsesTheLocalUsersConnection()
    {
        await _engine.CallToolAsync(Session(AuditActor.Anonymous), new RecordingPeer(), new CallToolRequestParams { Name = "files_1mcp_env" }, CancellationToken.None);

        _locals.Requests<CallToolRequestParams>().ShouldHaveSingleItem();
        _perUser.Asked.ShouldBe([ConnectionOwner.Local]);
    }

    [Fact]
    public async Task CallTool_WhenTheCallerHasNotConnected_AnswersAnErrorResultNamingTheBackendWhatIsMissingAndMyConnections()
    {
        var result = await _engine.CallToolAsync(Session(Carol), new RecordingPeer(), new CallToolRequestParams { Name = "files_1mcp_env" }, CancellationToken.None);

        result.IsError.ShouldBe(true);
        var text = result.Content.OfType<TextContentBlock>().ShouldHaveSingleItem().Text;
        text.ShouldContain("'files'");
        text.ShouldContain("API_KEY");
        text.ShouldContain("https://gw.example.test/oauth#connections");
        var entry = _audit.Entries.ShouldHaveSingleItem();
        (entry.Outcome, entry.ErrorCode).ShouldBe((AuditOutcomes.Failure, "not_connected"));
    }

    [Fact]
    public async Task CallTool_WhenTheBackendRunsForTooManyUsers_AnswersAnErrorResultSayingSo()
    {
        _perUser.TooMany = true;

        var result = await _engine.CallToolAsync(Session(Alice), new RecordingPeer(), new CallToolRequestParams { Name = "files_1mcp_env" }, CancellationToken.None);

        result.IsError.ShouldBe(true);
        result.Content.OfType<TextContentBlock>().ShouldHaveSingleItem().Text.ShouldContain("maxInstances");
        _audit.Entries.ShouldHaveSingleItem().ErrorCode.ShouldBe("too_many_instances");
    }

    [Fact]
    public async Task ReadResource_WhenTheCallerHasNotConnected_IsAJsonRpcErrorWithTheSameSentence()
    {
        var refused = await Should.ThrowAsync<McpProtocolException>(() =>
            _engine.ReadResourceAsync(Session(Carol), new RecordingPeer(), new ReadResourceRequestParams { Uri = "files_1mcp_file:///a.txt" }, CancellationToken.None).AsTask());

        refused.ErrorCode.ShouldBe(McpErrorCode.InvalidRequest);
        refused.Message.ShouldContain("'files'");
        refused.Message.ShouldContain("https://gw.example.test/oauth#connections");
    }

    [Fact]
    public async Task GetPrompt_WhenTheCallerHasNotConnected_IsAJsonRpcError()
    {
        var refused = await Should.ThrowAsync<McpProtocolException>(() =>
            _engine.GetPromptAsync(Session(Carol), new RecordingPeer(), new GetPromptRequestParams { Name = "files_1mcp_hello" }, CancellationToken.None).AsTask());

        refused.ErrorCode.ShouldBe(McpErrorCode.InvalidRequest);
        refused.Message.ShouldContain("My connections");
    }

    [Fact]
    public async Task CallTool_WhoseOwnConnectionLostItsAuthorizationWithTheCall_AnswersConnectAgainLikeAFirstCall()
    {
        // Alice's tokens were withdrawn at the backend's authorization server: her connection refuses the call, and the
        // runtime refuses her connection from then on (PerUserInstance, PerUserBackendConnection.ForOwnerAsync).
        _alices.Fail(RequestMethods.ToolsCall, new UserConnectionRequiredException(_alices.Name, "your authorization (OAuth) at the backend was withdrawn; connect your account again."));
        _perUser.LoseOnFailure.Add(new ConnectionOwner("alice-id"));

        var result = await _engine.CallToolAsync(Session(Alice), new RecordingPeer(), new CallToolRequestParams { Name = "files_1mcp_env" }, CancellationToken.None);

        result.IsError.ShouldBe(true);
        var text = result.Content.OfType<TextContentBlock>().ShouldHaveSingleItem().Text;
        text.ShouldContain("connect your account again");
        text.ShouldContain("https://gw.example.test/oauth#connections");
        _alices.Requests<CallToolRequestParams>().ShouldHaveSingleItem("the call is not sent again to the connection that lost its authorization");
        _perUser.Asked.ShouldBe([new ConnectionOwner("alice-id"), new ConnectionOwner("alice-id")]);
        var entry = _audit.Entries.ShouldHaveSingleItem();
        (entry.Outcome, entry.ErrorCode).ShouldBe((AuditOutcomes.Failure, "not_connected"));
    }

    [Fact]
    public async Task CallTool_ForAUrlElicitingClient_WhoseConnectionLostItsAuthorization_SendsTheUserToMyConnectionsAndCallsOnceTheyReconnect()
    {
        var reconnected = new FakeBackend(Backend.Named("files").Build(), Caps.New().Tools("env").Build());
        _alices.Fail(RequestMethods.ToolsCall, new UserConnectionRequiredException(_alices.Name, "your authorization (OAuth) at the backend was withdrawn; connect your account again."));
        _perUser.LoseOnFailure.Add(new ConnectionOwner("alice-id"));
        var caller = new RecordingPeer { SupportsUrlElicitation = true };
        caller.Eliciting = _ => _perUser.Reconnect(new ConnectionOwner("alice-id"), reconnected);

        var result = await _engine.CallToolAsync(Session(Alice), caller, new CallToolRequestParams { Name = "files_1mcp_env" }, CancellationToken.None);

        result.IsError.ShouldNotBe(true);
        caller.Requests.OfType<ElicitRequestParams>().ShouldHaveSingleItem().Url.ShouldBe("https://gw.example.test/oauth#connections");
        reconnected.Requests<CallToolRequestParams>().ShouldHaveSingleItem().Name.ShouldBe("env");
    }

    [Fact]
    public async Task ReadResource_WhoseOwnConnectionLostItsAuthorizationWithTheRead_IsTheJsonRpcErrorOfAFirstRead()
    {
        _alices.Fail(RequestMethods.ResourcesRead, new UserConnectionRequiredException(_alices.Name, "your authorization (OAuth) at the backend was withdrawn; connect your account again."));

        var refused = await Should.ThrowAsync<McpProtocolException>(() =>
            _engine.ReadResourceAsync(Session(Alice), new RecordingPeer(), new ReadResourceRequestParams { Uri = "files_1mcp_file:///a.txt" }, CancellationToken.None).AsTask());

        refused.ErrorCode.ShouldBe(McpErrorCode.InvalidRequest);
        refused.Message.ShouldContain("connect your account again");
        refused.Message.ShouldContain("https://gw.example.test/oauth#connections");
        _audit.Entries.ShouldHaveSingleItem().ErrorCode.ShouldBe("-32600");
    }

    [Fact]
    public async Task GetPrompt_WhoseOwnConnectionLostItsAuthorizationWithTheRequest_IsTheJsonRpcErrorOfAFirstRequest()
    {
        _alices.Fail(RequestMethods.PromptsGet, new UserConnectionRequiredException(_alices.Name, "your authorization (OAuth) at the backend was withdrawn; connect your account again."));

        var refused = await Should.ThrowAsync<McpProtocolException>(() =>
            _engine.GetPromptAsync(Session(Alice), new RecordingPeer(), new GetPromptRequestParams { Name = "files_1mcp_hello" }, CancellationToken.None).AsTask());

        refused.ErrorCode.ShouldBe(McpErrorCode.InvalidRequest);
        refused.Message.ShouldContain("My connections");
    }

    [Fact]
    public async Task CallTool_OfASharedBackend_IsAuditedAsShared()
    {
        var shared = new FakeBackend(Backend.Named("web").Build(), Caps.New().Tools("fetch").Build());
        _pool.Add(shared);

        await _engine.CallToolAsync(Session(Alice), new RecordingPeer(), new CallToolRequestParams { Name = "web_1mcp_fetch" }, CancellationToken.None);

        shared.Calls.ShouldHaveSingleItem();
        _perUser.Asked.ShouldBeEmpty();
        _audit.Entries.ShouldHaveSingleItem().Credentials.ShouldBe(AuditCredentials.Shared);
    }

    [Fact]
    public void CanSee_AUsersOwnConnection_IsTrueForThatUsersSessionsOnly()
    {
        var alicesOwn = new OwnedConnection(_alices, new ConnectionOwner("alice-id"));

        Session(Alice).CanSee(alicesOwn).ShouldBeTrue();
        Session(Carol).CanSee(alicesOwn).ShouldBeFalse("what alice's connection sends (resource updates, logs) is hers");
        Session(Carol).CanSee(_entry).ShouldBeTrue("the backend itself is listed for everyone");
    }

    [Fact]
    public async Task QuestionOfAUsersOwnConnection_IsAskedOfThatUsersCall_NeverAnotherUsers()
    {
        var alicesOwn = new OwnedConnection(_alices, new ConnectionOwner("alice-id"));
        var carolsCall = new RecordingPeer("carol's call");
        using (_inFlight.Enter(_entry.Name, Session(Carol), carolsCall))
        {
            // Only carol waits on the backend: alice's connection's question has nobody to go to, and is not asked of carol.
            await Should.ThrowAsync<McpProtocolException>(() => _router.ListRootsAsync(alicesOwn, new ListRootsRequestParams(), CancellationToken.None).AsTask());
            await Should.ThrowAsync<McpProtocolException>(() => _router.ElicitAsync(alicesOwn, new ElicitRequestParams { Message = "Which repository?" }, CancellationToken.None).AsTask());
            carolsCall.Requests.ShouldBeEmpty();

            // Both wait on it: alice's connection asks alice's call (not "ambiguous").
            var alicesCall = new RecordingPeer("alice's call");
            using (_inFlight.Enter(_entry.Name, Session(Alice), alicesCall))
            {
                var roots = await _router.ListRootsAsync(alicesOwn, new ListRootsRequestParams(), CancellationToken.None);
                var sample = await _router.SampleAsync(alicesOwn, new CreateMessageRequestParams { MaxTokens = 5, Messages = [] }, CancellationToken.None);

                roots.ShouldBeSameAs(alicesCall.RootsResult);
                sample.ShouldBeSameAs(alicesCall.SampleResult);
                carolsCall.Requests.ShouldBeEmpty();
            }
        }
    }

    [Fact]
    public async Task CallTool_WhoseOwnConnectionAsksAsItStarts_IsAskedItself()
    {
        // server-filesystem asks for the client's roots as soon as it is initialised: during the call that starts it.
        var alicesOwn = new OwnedConnection(_alices, new ConnectionOwner("alice-id"));
        ListRootsResult? asked = null;
        _perUser.Starting = async () => asked = await _router.ListRootsAsync(alicesOwn, new ListRootsRequestParams(), CancellationToken.None);
        var alicesCall = new RecordingPeer("alice's call");

        await _engine.CallToolAsync(Session(Alice), alicesCall, new CallToolRequestParams { Name = "files_1mcp_env" }, CancellationToken.None);

        asked.ShouldBeSameAs(alicesCall.RootsResult);
    }

    [Fact]
    public void ListResources_OfAPerUserBackend_AreTheCallersOwnRunningConnections_NeverTheFirstUsers()
    {
        // The backend's catalogue came from another user's connection (file:///a.txt is theirs).
        var alicesOwn = new OwnedConnection(
            new FakeBackend(Backend.Named("files").Build(), Caps.New().Tools("env").Resources("file:///alice-notes.txt").Build()), new ConnectionOwner("alice-id"));
        _perUser.Connections[alicesOwn.Owner] = alicesOwn;
        _perUser.RunningOwners.Add(alicesOwn.Owner);

        _engine.ListResources(Session(Alice), null).Resources.Select(r => r.Uri).ShouldBe(["files_1mcp_file:///alice-notes.txt"]);
        _engine.ListResources(Session(Carol), null).Resources.ShouldBeEmpty("carol has no connection running: she lists none, and never another user's");
        _engine.ListResourceTemplates(Session(Carol), null).ResourceTemplates.ShouldBeEmpty();
        _engine.ListTools(Session(Carol), null).Tools.Select(t => t.Name).ShouldBe(["files_1mcp_env"], "the tools are listed for everyone");
    }

    [Fact]
    public void ListPrompts_OfAPerUserBackend_AreTheCallersOwnRunningConnections_NeverTheFirstUsers()
    {
        // The catalogue ("hello") came from another user's connection: a prompt list is that account's (saved prompts).
        var alicesOwn = new OwnedConnection(
            new FakeBackend(Backend.Named("files").Build(), Caps.New().Tools("env").Prompts("alice-drafts").Build()), new ConnectionOwner("alice-id"));
        _perUser.Connections[alicesOwn.Owner] = alicesOwn;
        _perUser.RunningOwners.Add(alicesOwn.Owner);

        _engine.ListPrompts(Session(Alice), null).Prompts.Select(p => p.Name).ShouldBe(["files_1mcp_alice-drafts"]);
        _engine.ListPrompts(Session(Carol), null).Prompts.ShouldBeEmpty("carol has no connection running: she lists none, and never another user's");
    }

    [Fact]
    public void BuildInstructions_OfAPerUserBackend_AreTheCallersOwnRunningConnections_NeverTheFirstUsers()
    {
        // The catalogue's instructions came from the first user's connection: a server may write its user's workspace in.
        var catalogue = new FakeBackend(
            Backend.Named("files").Build() with { Credentials = BackendCredentialMode.PerUser },
            Caps.New().Tools("env").Instructions("Workspace of alice@example.test.").Build());
        var alicesOwn = new OwnedConnection(
            new FakeBackend(Backend.Named("files").Build(), Caps.New().Tools("env").Instructions("Workspace of alice@example.test.").Build()),
            new ConnectionOwner("alice-id"));
        _perUser.Connections[alicesOwn.Owner] = alicesOwn;
        _perUser.RunningOwners.Add(alicesOwn.Owner);
        var engine = new GatewayEngine(
            new FakePool(catalogue), new CapabilityCatalog(), _inFlight, _subscriptions, _audit, TimeProvider.System, null, NullLogger<GatewayEngine>.Instance, _perUser);

        engine.BuildInstructions(Session(Alice)).ShouldContain("<files>\nWorkspace of alice@example.test.\n</files>");
        engine.BuildInstructions(Session(Carol)).ShouldNotContain("alice", Case.Insensitive, "carol has no connection running: she is shown none, and never another user's");
        engine.BuildInstructions(Session(Carol)).ShouldContain("in front of 1 MCP server: files", Case.Sensitive, "the backend itself is still named");
    }

    [Fact]
    public void AUsersConnection_WhenItConnects_TellsThatUsersSessionsOnly_ThatTheirResourcesAndPromptsChanged()
    {
        var alicesOwn = new OwnedConnection(_alices, new ConnectionOwner("alice-id"));
        var alices = Session(Alice);
        var carols = Session(Carol);
        _sessions.Add(alices);
        _sessions.Add(carols);

        _router.BackendConnected(alicesOwn);

        ((RecordingPeer)alices.Peer).Methods.ShouldBe([NotificationMethods.ResourceListChangedNotification, NotificationMethods.PromptListChangedNotification]);
        ((RecordingPeer)carols.Peer).Methods.ShouldBeEmpty();
    }

    [Fact]
    public void ListChanged_OfAUsersOwnConnection_ReachesThatUsersSessionsOnly()
    {
        var alicesOwn = new OwnedConnection(_alices, new ConnectionOwner("alice-id"));
        var alices = Session(Alice);
        var carols = Session(Carol);
        _sessions.Add(alices);
        _sessions.Add(carols);

        _router.BackendChanged(alicesOwn, CapabilityKinds.Resources);

        ((RecordingPeer)alices.Peer).Methods.ShouldBe([NotificationMethods.ResourceListChangedNotification]);
        ((RecordingPeer)carols.Peer).Methods.ShouldBeEmpty();
    }

    [Fact]
    public async Task Subscribe_InAUsersNextSession_AfterHerEarlierOneEnded_ReachesTheConnectionRunningThen()
    {
        _entry.Capabilities = Caps.New().Tools("env").Resources("file:///a.txt").WithSubscribe().Build();
        var owner = new ConnectionOwner("alice-id");
        var first = new FakeBackend(Backend.Named("files").Build());
        _perUser.Connections[owner] = new OwnedConnection(first, owner);
        var earlier = new GatewaySession("alice-1", SessionFilter.None) { Actor = Alice };
        await _engine.SubscribeAsync(earlier, "files_1mcp_file:///a.txt", CancellationToken.None);
        await _subscriptions.ReleaseSessionAsync(earlier, _pool, CancellationToken.None);

        // Her instance idled out meanwhile, and her next call started another.
        var restarted = new FakeBackend(Backend.Named("files").Build());
        _perUser.Connections[owner] = new OwnedConnection(restarted, owner);
        await _engine.SubscribeAsync(new GatewaySession("alice-2", SessionFilter.None) { Actor = Alice }, "files_1mcp_file:///a.txt", CancellationToken.None);

        first.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe(["file:///a.txt"]);
        restarted.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe(["file:///a.txt"], "the running instance must be asked, or her session never hears of a change");
    }

    [Fact]
    public async Task AUsersConnection_StartedAgain_IsSubscribedToWhatHerLiveSessionsFollow_AndNoOneElsesIs()
    {
        _entry.Capabilities = Caps.New().Tools("env").Resources("file:///a.txt").WithSubscribe().Build();
        var alice = new ConnectionOwner("alice-id");
        _perUser.Connections[alice] = new OwnedConnection(new FakeBackend(Backend.Named("files").Build()), alice);
        await _engine.SubscribeAsync(Session(Alice), "files_1mcp_file:///a.txt", CancellationToken.None);

        // Her instance idled out (or crashed) while her session still follows the resource; her next request started
        // another, which says it is connected. So does one of Carol's, who follows nothing.
        var restarted = new FakeBackend(Backend.Named("files").Build(), Caps.New().Resources("file:///a.txt").WithSubscribe().Build());
        var carols = new FakeBackend(Backend.Named("files").Build(), Caps.New().Resources("file:///a.txt").WithSubscribe().Build());
        _router.BackendConnected(new OwnedConnection(carols, new ConnectionOwner("carol-id")));
        _router.BackendConnected(new OwnedConnection(restarted, alice));

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (restarted.UrisOf(RequestMethods.ResourcesSubscribe).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        restarted.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe(["file:///a.txt"], "without it her session never hears of a change again");
        carols.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBeEmpty();
    }

    [Fact]
    public async Task Subscribe_AfterTheBackendWasRemovedAndAddedAgain_CountsOnlyTheLiveSessions()
    {
        var web = new FakeBackend(Backend.Named("web").Build(), Caps.New().Resources("https://example.test/a").WithSubscribe().Build());
        _pool.Add(web);
        var earlier = new GatewaySession("carol-1", SessionFilter.None) { Actor = Carol };
        await _engine.SubscribeAsync(earlier, "web_1mcp_https://example.test/a", CancellationToken.None);
        _pool.Remove(web.Name);
        await _subscriptions.ReleaseSessionAsync(earlier, _pool, CancellationToken.None);

        var again = new FakeBackend(Backend.Named("web").Build(), Caps.New().Resources("https://example.test/a").WithSubscribe().Build());
        _pool.Add(again);
        var later = new GatewaySession("carol-2", SessionFilter.None) { Actor = Carol };
        await _engine.SubscribeAsync(later, "web_1mcp_https://example.test/a", CancellationToken.None);
        await _engine.UnsubscribeAsync(later, "web_1mcp_https://example.test/a", CancellationToken.None);

        again.UrisOf(RequestMethods.ResourcesSubscribe).ShouldBe(["https://example.test/a"]);
        again.UrisOf(RequestMethods.ResourcesUnsubscribe).ShouldBe(["https://example.test/a"], "its last subscriber left");
    }

    public void Dispose() => _subscriptions.Dispose();

    /// <summary>A user's own connection to a per-user backend, over a fake.</summary>
    private sealed class OwnedConnection(FakeBackend inner, ConnectionOwner owner) : IUserBackendConnection
    {
        public ConnectionOwner Owner => owner;

        public ServerName Name => inner.Name;

        public BackendSettings Settings => inner.Settings;

        public BackendState State => inner.State;

        public BackendCapabilities Capabilities => inner.Capabilities;

        public ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken) =>
            inner.CallToolAsync(request, progress, cancellationToken);

        public ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken) =>
            inner.ReadResourceAsync(request, cancellationToken);

        public ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken) =>
            inner.GetPromptAsync(request, cancellationToken);

        public ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken) =>
            inner.CompleteAsync(request, cancellationToken);

        public ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken) => inner.SubscribeAsync(uri, cancellationToken);

        public ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken) => inner.UnsubscribeAsync(uri, cancellationToken);
    }

    /// <summary>Answers with the connection set for an owner, refuses others as not connected (secret API_KEY missing).</summary>
    private sealed class ScriptedPerUserBackends : IPerUserBackends
    {
        public Dictionary<ConnectionOwner, IBackendConnection> Connections { get; } = [];

        public List<ConnectionOwner> Asked { get; } = [];

        public bool TooMany { get; set; }

        /// <summary>Owners whose connection is refused once it has failed a call (as the runtime does when it lost its authorization).</summary>
        public HashSet<ConnectionOwner> LoseOnFailure { get; } = [];

        /// <summary>The owner connected again: their next lookup gets <paramref name="connection"/>.</summary>
        public void Reconnect(ConnectionOwner owner, IBackendConnection connection)
        {
            LoseOnFailure.Remove(owner);
            Connections[owner] = connection;
        }

        /// <summary>What the instance does as it starts (before the call it was started for goes to it).</summary>
        public Func<Task>? Starting { get; set; }

        public async ValueTask<IBackendConnection> ForOwnerAsync(IBackendConnection backend, ConnectionOwner owner, CancellationToken cancellationToken)
        {
            Asked.Add(owner);
            if (TooMany)
            {
                throw new TooManyInstancesException(backend.Name, 1);
            }

            if (Starting is { } starting)
            {
                await starting();
            }

            if (LoseOnFailure.Contains(owner) && Connections.TryGetValue(owner, out var used) && used is FakeBackend { Calls.Count: > 0 })
            {
                throw new UserConnectionRequiredException(backend.Name, "your authorization (OAuth) at the backend was withdrawn or has expired; connect your account again.");
            }

            return Connections.TryGetValue(owner, out var connection)
                ? connection
                : throw new UserConnectionRequiredException(backend.Name, "your value for the secret API_KEY is not set.");
        }

        /// <summary>The users whose connection runs (and so lists its own resources).</summary>
        public HashSet<ConnectionOwner> RunningOwners { get; } = [];

        public IBackendConnection? Running(IBackendConnection backend, ConnectionOwner owner) =>
            RunningOwners.Contains(owner) && Connections.TryGetValue(owner, out var connection) ? connection : null;

        public IReadOnlyCollection<ConnectionOwner> OwnersRunning() => RunningOwners;

        public Task ReleaseAsync(ServerName? backend, ConnectionOwner owner, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
