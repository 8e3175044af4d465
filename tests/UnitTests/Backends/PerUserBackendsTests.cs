using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Backends.PerUser;
using OneMcp.Infrastructure.Persistence;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Backends;

/// <summary>The per-user runtime (ADR 0033): one connection per backend and user, built with that user's secrets.</summary>
public sealed class PerUserBackendsTests : IAsyncDisposable
{
    private static readonly ServerName Files = ServerName.From("files");
    private static readonly ConnectionOwner Alice = new("alice-id");
    private static readonly ConnectionOwner Bob = new("bob-id");
    private static readonly ConnectionOwner Carol = new("carol-id");

    private static readonly BackendCapabilities Catalogue = BackendCapabilities.Empty with
    {
        Tools = [new Tool { Name = "env", InputSchema = System.Text.Json.JsonDocument.Parse("""{"type":"object"}""").RootElement }],
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
    private readonly InMemoryUserConnectionStore _store;
    private readonly RecordingEvents _events = new();
    private readonly List<FakeUserConnection> _connections = [];
    private readonly SemaphoreSlim _slots = new(5, 5);
    private readonly NpgsqlConnectionFactory _neverOpened = new("Host=127.0.0.1;Port=1;Username=onemcp");
    private readonly HttpClient _http = new();
    private readonly PerUserBackends _runtime;
    private TaskCompletionSource _firstAttempts = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private BackendStatus _reaches = BackendStatus.Connected;

    public PerUserBackendsTests()
    {
        _firstAttempts.SetResult();
        _store = new InMemoryUserConnectionStore(_time);
        var tokens = new BackendTokenSource(
            new BackendCredentialStore(_neverOpened, new EphemeralDataProtectionProvider(), _time),
            new OneMcp.Infrastructure.Connections.UserConnectionStore(_neverOpened, new EphemeralDataProtectionProvider(), _time),
            new BackendOAuthHttp(_http), _time, NullLogger<BackendTokenSource>.Instance);
        _runtime = Runtime(tokens);
    }

    private PerUserBackends Runtime(BackendTokenSource tokens) =>
        new(_events, _store, tokens, _time, NullLoggerFactory.Instance, (settings, owner, events, _) =>
        {
            var connection = new FakeUserConnection(settings, owner, events, _reaches, Catalogue, _firstAttempts.Task);
            lock (_connections)
            {
                _connections.Add(connection);
            }

            return connection;
        });

    private static StdioBackendSettings PerUserStdio(int maxInstances = 20) => new()
    {
        Name = Files,
        Command = "node",
        Environment = new Dictionary<string, string> { ["API_KEY"] = "${user:API_KEY}", ["MODE"] = "ro" },
        Credentials = BackendCredentialMode.PerUser,
        IdleTimeout = TimeSpan.FromMinutes(10),
        MaxInstances = maxInstances,
    };

    private static StreamableHttpBackendSettings PerUserHttp(string url) => new()
    {
        Name = Files,
        Url = new Uri(url),
        Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Authorization"] = "Bearer ${user:API_KEY}" },
        Credentials = BackendCredentialMode.PerUser,
    };

    private PerUserBackendConnection Entry(BackendSettings? settings = null) => _runtime.CreateEntry(settings ?? PerUserStdio(), _slots);

    private async Task ConnectAsync(ConnectionOwner owner, string key) =>
        await _store.SetSecretsAsync(Files, owner, new Dictionary<string, string> { ["API_KEY"] = key }, setFor: null, CancellationToken.None);

    private FakeUserConnection ConnectionOf(ConnectionOwner owner)
    {
        lock (_connections)
        {
            return _connections.Last(c => c.Owner == owner);
        }
    }

    [Fact]
    public async Task ForOwner_WhenTwoUsersCall_StartsOneConnectionEachWithTheirOwnSecret()
    {
        await ConnectAsync(Alice, "alice-key");
        await ConnectAsync(Bob, "bob-key");
        await using var entry = Entry();

        var alices = await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);
        var bobs = await _runtime.ForOwnerAsync(entry, Bob, CancellationToken.None);
        var alicesAgain = await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);

        alicesAgain.ShouldBeSameAs(alices);
        bobs.ShouldNotBeSameAs(alices);
        ((IUserBackendConnection)bobs).Owner.ShouldBe(Bob);
        _connections.Count.ShouldBe(2);
        ConnectionOf(Alice).Settings.Stdio().Environment["API_KEY"].ShouldBe("alice-key");
        ConnectionOf(Bob).Settings.Stdio().Environment["API_KEY"].ShouldBe("bob-key");
        ConnectionOf(Bob).Settings.Stdio().Environment["MODE"].ShouldBe("ro");
        alices.Settings.Stdio().Environment["API_KEY"].ShouldBe("${user:API_KEY}", "what the engine sees keeps the reference, never a value");
        entry.InstanceCount.ShouldBe(2);
        _runtime.OwnersRunning().ShouldBe([Alice, Bob], ignoreOrder: true);
    }

    [Fact]
    public async Task ForOwner_WhenOneUsersFirstCallsRunTogether_StartsOneConnection()
    {
        await ConnectAsync(Alice, "alice-key");
        _firstAttempts = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var entry = Entry();

        var calls = Enumerable.Range(0, 8).Select(_ => _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None).AsTask()).ToList();
        _firstAttempts.SetResult();
        var connections = await Task.WhenAll(calls);

        connections.Distinct().ShouldHaveSingleItem();
        _connections.ShouldHaveSingleItem();
        _store.SecretReads.ShouldBe(1);
    }

    [Fact]
    public async Task ForOwner_WhenTheUserHasNotSetASecret_ThrowsUserConnectionRequiredNamingItAndStartsNothing()
    {
        await using var entry = Entry();

        var refused = await Should.ThrowAsync<UserConnectionRequiredException>(() => _runtime.ForOwnerAsync(entry, Carol, CancellationToken.None).AsTask());

        refused.Backend.ShouldBe(Files);
        refused.Missing.ShouldContain("API_KEY");
        refused.Message.ShouldContain("'files'");
        _connections.ShouldBeEmpty();
        entry.InstanceCount.ShouldBe(0);
    }

    [Fact]
    public async Task ForOwner_WhenTheSecretWasSetWhileTheBackendPointedElsewhere_ThrowsUserConnectionRequiredAndSendsItNowhere()
    {
        // Alice gave her key for api.example.test; an edit has since pointed the backend at another host.
        await using var entry = Entry(PerUserHttp("https://collector.example.test/mcp"));
        await _store.SetSecretsAsync(Files, Alice, new Dictionary<string, string> { ["API_KEY"] = "alice-key" }, "https://api.example.test", CancellationToken.None);

        var refused = await Should.ThrowAsync<UserConnectionRequiredException>(() => _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None).AsTask());

        refused.Missing.ShouldBe(
            "your value for the secret API_KEY was set for https://api.example.test, and the backend now points at https://collector.example.test: set it again to send it there.");
        _connections.ShouldBeEmpty();
        entry.InstanceCount.ShouldBe(0);
    }

    [Fact]
    public async Task ForOwner_WithTheSecretSetForTheBackendsOrigin_OrStoredBeforeOriginsWereKept_StartsWithIt()
    {
        await using var entry = Entry(PerUserHttp("https://API.example.test:443/v2/mcp"));
        await _store.SetSecretsAsync(Files, Alice, new Dictionary<string, string> { ["API_KEY"] = "alice-key" }, "https://api.example.test", CancellationToken.None);
        await _store.SetSecretsAsync(Files, Bob, new Dictionary<string, string> { ["API_KEY"] = "bob-key" }, setFor: null, CancellationToken.None);

        await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);
        await _runtime.ForOwnerAsync(entry, Bob, CancellationToken.None);

        ((HttpBackendSettings)ConnectionOf(Alice).Settings).Headers["Authorization"].ShouldBe("Bearer alice-key");
        ((HttpBackendSettings)ConnectionOf(Bob).Settings).Headers["Authorization"].ShouldBe("Bearer bob-key");
    }

    [Fact]
    public async Task ForOwner_WhenTheBackendWantsTheUsersOAuth_ThrowsUserConnectionRequiredAndStopsTheConnection()
    {
        _reaches = BackendStatus.AwaitingOAuth;
        await using var entry = Entry(new StreamableHttpBackendSettings { Name = Files, Url = new Uri("https://svc.example.test/mcp"), Credentials = BackendCredentialMode.PerUser });

        var refused = await Should.ThrowAsync<UserConnectionRequiredException>(() => _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None).AsTask());

        refused.Missing.ShouldContain("OAuth");
        await ConnectionOf(Alice).Disposed;
        entry.InstanceCount.ShouldBe(0);
    }

    [Fact]
    public async Task ForOwner_WhenTheRunningConnectionLostItsOAuth_ThrowsUserConnectionRequiredAndStopsIt()
    {
        await using var entry = Entry(new StreamableHttpBackendSettings { Name = Files, Url = new Uri("https://svc.example.test/mcp"), Credentials = BackendCredentialMode.PerUser });
        var running = await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);

        // Revoked at the backend's authorization server: the next renewal was refused and the tokens were dropped.
        ConnectionOf(Alice).Become(BackendStatus.AwaitingOAuth);
        var refused = await Should.ThrowAsync<UserConnectionRequiredException>(() => _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None).AsTask());

        refused.Missing.ShouldContain("connect your account again");
        await ConnectionOf(Alice).Disposed;
        entry.InstanceCount.ShouldBe(0);

        // Once the user connects again, the next call starts a fresh connection.
        var again = await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);
        again.ShouldNotBeSameAs(running);
        again.State.Status.ShouldBe(BackendStatus.Connected);
    }

    [Fact]
    public async Task ForOwner_AfterACallFailedForLackOfRenewableTokens_ThrowsUserConnectionRequiredAndStopsIt()
    {
        await using var entry = Entry(new StreamableHttpBackendSettings { Name = Files, Url = new Uri("https://svc.example.test/mcp"), Credentials = BackendCredentialMode.PerUser });
        var running = await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);

        // The connection's session still looks connected; its calls fail because the tokens could not be renewed.
        ConnectionOf(Alice).CallFailure = new ModelContextProtocol.McpProtocolException(
            "Server 'files' is not connected (awaiting OAuth authorization).", new BackendAuthorizationRequiredException("The grant was refused."),
            ModelContextProtocol.McpErrorCode.InternalError);
        var lost = await Should.ThrowAsync<UserConnectionRequiredException>(() => running.CallToolAsync(new CallToolRequestParams { Name = "env" }, null, CancellationToken.None).AsTask());
        lost.Missing.ShouldContain("connect your account again", customMessage: "the call that meets the withdrawn grant is refused as the next ones are");
        var refused = await Should.ThrowAsync<UserConnectionRequiredException>(() => _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None).AsTask());

        refused.Missing.ShouldContain("connect your account again");
        await ConnectionOf(Alice).Disposed;
        entry.InstanceCount.ShouldBe(0);
    }

    [Fact]
    public async Task ForOwner_WhenMaxInstancesRun_RefusesAnotherUserButServesTheRunningOnes()
    {
        await ConnectAsync(Alice, "alice-key");
        await ConnectAsync(Bob, "bob-key");
        await using var entry = Entry(PerUserStdio(maxInstances: 1));
        var alices = await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);

        var refused = await Should.ThrowAsync<TooManyInstancesException>(() => _runtime.ForOwnerAsync(entry, Bob, CancellationToken.None).AsTask());

        refused.Limit.ShouldBe(1);
        refused.Message.ShouldContain("maxInstances");
        (await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None)).ShouldBeSameAs(alices);

        await _runtime.ReleaseAsync(Files, Alice, CancellationToken.None);
        (await _runtime.ForOwnerAsync(entry, Bob, CancellationToken.None)).ShouldBeAssignableTo<IUserBackendConnection>().Owner.ShouldBe(Bob);
    }

    [Fact]
    public async Task AnInstance_UnusedForTheIdleTimeout_IsStopped()
    {
        await ConnectAsync(Alice, "alice-key");
        await using var entry = Entry();
        await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(6));
        await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None); // used again: the timeout counts from here
        _time.Advance(TimeSpan.FromMinutes(6));
        ConnectionOf(Alice).IsDisposed.ShouldBeFalse();

        _time.Advance(TimeSpan.FromMinutes(4));
        await ConnectionOf(Alice).Disposed;
        entry.InstanceCount.ShouldBe(0);
    }

    [Fact]
    public async Task AnInstance_WithACallRunningPastTheIdleTimeout_IsNotStopped()
    {
        await ConnectAsync(Alice, "alice-key");
        await using var entry = Entry();
        var alices = await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ConnectionOf(Alice).HoldCalls = hold.Task;
        var call = alices.CallToolAsync(new CallToolRequestParams { Name = "env" }, null, CancellationToken.None).AsTask();

        _time.Advance(TimeSpan.FromMinutes(11));
        ConnectionOf(Alice).IsDisposed.ShouldBeFalse();

        hold.SetResult();
        await call;
        _time.Advance(TimeSpan.FromMinutes(10));
        await ConnectionOf(Alice).Disposed;
    }

    [Fact]
    public async Task Release_StopsTheUsersConnection_AndTheNextCallStartsAFreshOne()
    {
        await ConnectAsync(Alice, "old-key");
        await using var entry = Entry();
        var before = await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);
        var first = ConnectionOf(Alice);
        await ConnectAsync(Alice, "new-key");

        await _runtime.ReleaseAsync(null, Alice, CancellationToken.None);

        await first.Disposed;
        var after = await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);
        after.ShouldNotBeSameAs(before);
        ConnectionOf(Alice).Settings.Stdio().Environment["API_KEY"].ShouldBe("new-key");
    }

    [Fact]
    public async Task Release_WhileTheUsersInstanceStops_TheInstanceHerNextCallStartsIsNotHandedHerOldTokens()
    {
        await using var database = await SqliteUserTokens.CreateAsync(PerUserStdio(), _time);
        var runtime = Runtime(database.Source);
        await ConnectAsync(Alice, "alice-key");
        await database.StoreAsync(Alice, "alice-old-token");
        (await database.Source.GetAccessTokenAsync(Files, Alice, CancellationToken.None)).ShouldBe("alice-old-token");
        await using var entry = runtime.CreateEntry(PerUserStdio(), _slots);
        var first = await runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);
        var stopping = new TaskCompletionSource();
        ConnectionOf(Alice).HoldDispose = stopping.Task;

        await database.RevokeAsync(Alice);
        var release = runtime.ReleaseAsync(Files, Alice, CancellationToken.None);
        await ConnectionOf(Alice).Disposing;
        var next = await runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);
        var nextToken = await database.Source.GetAccessTokenAsync(Files, Alice, CancellationToken.None);
        stopping.SetResult();
        await release;

        next.ShouldNotBeSameAs(first, "her call while the old instance stopped started a new one");
        nextToken.ShouldBeNull("the new instance's first requests must carry what is stored now (nothing), not the revoked token");
    }

    [Fact]
    public async Task DisposingTheEntry_StopsEveryUsersConnection()
    {
        await ConnectAsync(Alice, "alice-key");
        await ConnectAsync(Bob, "bob-key");
        var entry = Entry();
        await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);
        await _runtime.ForOwnerAsync(entry, Bob, CancellationToken.None);

        await entry.DisposeAsync();

        await Task.WhenAll(_connections.Select(c => c.Disposed));
        await Should.ThrowAsync<ObjectDisposedException>(() => _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task TheEntry_ShowsTheCatalogueOfTheFirstUserConnection_AndKeepsItWhenThatConnectionStops()
    {
        await ConnectAsync(Alice, "alice-key");
        await using var entry = Entry();
        entry.State.Status.ShouldBe(BackendStatus.Connecting);
        entry.Capabilities.ShouldBe(BackendCapabilities.Empty);

        await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);

        entry.State.Status.ShouldBe(BackendStatus.Connected);
        entry.Capabilities.Tools.Select(t => t.Name).ShouldBe(["env"]);
        _events.Changed.ShouldContain(entry);

        await _runtime.ReleaseAsync(Files, Alice, CancellationToken.None);
        entry.Capabilities.Tools.Select(t => t.Name).ShouldBe(["env"]);
    }

    [Fact]
    public async Task AUsersConnection_ThatConnects_IsAnnouncedAsConnected_SoHerSubscriptionsAreRenewedOnIt()
    {
        await ConnectAsync(Alice, "alice-key");
        await using var entry = Entry();

        var own = await _runtime.ForOwnerAsync(entry, Alice, CancellationToken.None);

        _events.Connected.OfType<IUserBackendConnection>().ShouldContain(c => ReferenceEquals(c, own) && c.Owner == Alice);
    }

    [Fact]
    public async Task Start_WithNoCatalogueYet_LearnsItFromTheConnectionOfAUserWhoConnectedCompletely()
    {
        await _store.SetSecretsAsync(Files, Carol, new Dictionary<string, string> { ["OTHER"] = "x" }, setFor: null, CancellationToken.None);
        await ConnectAsync(Bob, "bob-key");
        await using var entry = Entry();

        entry.Start();
        await entry.FirstAttempt;

        _connections.ShouldHaveSingleItem().Owner.ShouldBe(Bob);
        entry.Capabilities.Tools.ShouldHaveSingleItem().Name.ShouldBe("env");
    }

    [Fact]
    public async Task Start_OfABackendWithoutUserSecrets_LearnsTheCatalogueFromTheLocalConnection()
    {
        await using var entry = Entry(PerUserStdio() with { Environment = new Dictionary<string, string>() });

        entry.Start();
        await entry.FirstAttempt;

        _connections.ShouldHaveSingleItem().Owner.ShouldBe(ConnectionOwner.Local);
        entry.State.Status.ShouldBe(BackendStatus.Connected);
        await _connections.Single().Disposed; // the local owner's connection does not keep a user's place
        entry.InstanceCount.ShouldBe(0);
    }

    [Fact]
    public async Task Release_OfAUserWhoJustConnected_LearnsTheCatalogueTheBackendHadNot()
    {
        await using var entry = Entry();
        entry.Start();
        await entry.FirstAttempt;
        entry.State.Status.ShouldBe(BackendStatus.Connecting, "nobody has connected yet");

        await ConnectAsync(Alice, "alice-key");
        await _runtime.ReleaseAsync(Files, Alice, CancellationToken.None);

        await _events.ChangedTo(entry, BackendStatus.Connected);
        ConnectionOf(Alice).Settings.Stdio().Environment["API_KEY"].ShouldBe("alice-key");
    }

    [Fact]
    public async Task CallingTheEntryDirectly_IsAProgrammingError()
    {
        await using var entry = Entry();

        await Should.ThrowAsync<InvalidOperationException>(() => entry.CallToolAsync(new CallToolRequestParams { Name = "env" }, null, CancellationToken.None).AsTask());
    }

    public async ValueTask DisposeAsync()
    {
        await _neverOpened.DisposeAsync();
        _http.Dispose();
        _slots.Dispose();
    }

    private sealed class RecordingEvents : IBackendEventSink
    {
        private readonly Lock _gate = new();
        private readonly List<IBackendConnection> _changed = [];
        private readonly List<IBackendConnection> _connected = [];
        private readonly SemaphoreSlim _signal = new(0);

        public IReadOnlyList<IBackendConnection> Changed
        {
            get
            {
                lock (_gate)
                {
                    return [.. _changed];
                }
            }
        }

        public void BackendChanged(IBackendConnection backend, CapabilityKinds kinds, IReadOnlyList<Tag>? previousTags = null)
        {
            lock (_gate)
            {
                _changed.Add(backend);
            }

            _signal.Release();
        }

        /// <summary>The connections announced as connected (a user's own connection among them, as itself).</summary>
        public IReadOnlyList<IBackendConnection> Connected
        {
            get
            {
                lock (_gate)
                {
                    return [.. _connected];
                }
            }
        }

        public void BackendConnected(IBackendConnection backend)
        {
            lock (_gate)
            {
                _connected.Add(backend);
            }

            BackendChanged(backend, CapabilityKinds.All);
        }

        /// <summary>Completes once <paramref name="backend"/> was announced with <paramref name="status"/>.</summary>
        public async Task ChangedTo(PerUserBackendConnection backend, BackendStatus status)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!Changed.Any(b => ReferenceEquals(b, backend)) || backend.State.Status != status)
            {
                await _signal.WaitAsync(timeout.Token); // each announcement wakes the check
            }
        }

        public void ResourceUpdated(IBackendConnection backend, string uri)
        {
        }

        public void LogMessage(IBackendConnection backend, LoggingMessageNotificationParams message)
        {
        }

        public ValueTask<CreateMessageResult> SampleAsync(IBackendConnection backend, CreateMessageRequestParams request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<ElicitResult> ElicitAsync(IBackendConnection backend, ElicitRequestParams request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<ListRootsResult> ListRootsAsync(IBackendConnection backend, ListRootsRequestParams request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
