using System.Text.Json;
using System.Text.Json.Nodes;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Connections;
using OneMcp.Application.Connections.Commands;
using OneMcp.Application.Connections.Queries;
using OneMcp.Application.Replication;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;
using OneMcp.UnitTests.TestDoubles;
using OneMcp.UnitTests.Users;

namespace OneMcp.UnitTests.Connections;

public sealed class ConnectionHandlerTests
{
    private const string AliceKey = "alice-key-0123456789";

    private static readonly ServerName Db = ServerName.From("db");
    private static readonly ServerName Gh = ServerName.From("gh");
    private static readonly Uri Callback = new("https://gw.example.test/oauth/callback/gh");

    private readonly FixedTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly FakePool _pool = new();
    private readonly InMemoryUserConnectionStore _store;
    private readonly RecordingInstances _instances = new();
    private readonly RecordingChangeFeed _feed = new();
    private readonly RecordingUserOAuth _oauth = new();
    private readonly InMemoryUserRepository _users = new();
    private readonly UserConnectionChanges _changes;

    public ConnectionHandlerTests()
    {
        _store = new InMemoryUserConnectionStore(_time);
        _changes = new UserConnectionChanges(_instances, _feed);
        _pool.Add(new FakeBackend(Backend.Named("plain").Build()));
        _pool.Add(new FakeBackend(PerUserStdio("db", ("API_KEY", "${user:API_KEY}"), ("TOKEN", "t-${user:TOKEN}"))));
        _pool.Add(new FakeBackend(new StreamableHttpBackendSettings { Name = Gh, Url = new Uri("https://gh.example.test/mcp"), Credentials = BackendCredentialMode.PerUser }));
        _pool.Add(new FakeBackend(PerUserStdio("free")));
    }

    private static ConnectionOwner Alice { get; } = new("11111111-1111-1111-1111-111111111111");

    private static ConnectionOwner Bob { get; } = new("22222222-2222-2222-2222-222222222222");

    [Fact]
    public async Task ListMine_ListsEveryPerUserBackend_WithWhatItNeedsAndWhatTheOwnerGave()
    {
        await _store.SetSecretsAsync(Db, Alice, new Dictionary<string, string> { ["API_KEY"] = AliceKey }, setFor: null, CancellationToken.None);
        _store.MarkOAuthConnected(Gh, Alice);

        var mine = await ListMine(Alice);

        mine.Select(c => c.Backend).ShouldBe(["db", "free", "gh"]);
        var db = mine[0];
        db.Transport.ShouldBe("stdio");
        db.Secrets.ShouldBe([new ConnectionSecretView("API_KEY", _time.GetUtcNow()), new ConnectionSecretView("TOKEN", null)]);
        db.OAuth.ShouldBeFalse();
        db.Connected.ShouldBeFalse();
        mine[1].Connected.ShouldBeTrue();
        var gh = mine[2];
        (gh.Transport, gh.Secrets.Count, gh.OAuth, gh.OAuthRequired, gh.OAuthStatus, gh.OAuthConnectedAt, gh.Connected)
            .ShouldBe(("http", 0, true, true, MyConnectionView.OAuthConnected, (DateTimeOffset?)_time.GetUtcNow(), true));
        (await ListMine(Bob)).Where(c => c.Backend != "free").ShouldAllBe(c => !c.Connected && c.UpdatedAt == null);
    }

    [Fact]
    public async Task ListMine_TokensAwaitingApproval_AreNotAConnection()
    {
        _store.MarkOAuthConnected(Gh, Alice, awaitingApproval: true);

        var gh = (await ListMine(Alice)).Single(c => c.Backend == "gh");

        gh.OAuthStatus.ShouldBe(MyConnectionView.OAuthAwaitingApproval);
        gh.Connected.ShouldBeFalse();
    }

    [Fact]
    public async Task SetSecrets_StoresThem_ReleasesTheOwnersInstance_AndPublishes_AnsweringNoValue()
    {
        var view = await new SetMySecretsHandler(_pool, _store, _changes)
            .Handle(new SetMySecretsCommand("db", Alice, new Dictionary<string, string?> { ["API_KEY"] = AliceKey, ["TOKEN"] = "t" }), CancellationToken.None);

        view.Connected.ShouldBeTrue();
        view.Secrets.ShouldAllBe(s => s.SetAt == _time.GetUtcNow());
        view.ToString().ShouldNotContain(AliceKey);
        (await _store.GetSecretsAsync(Db, Alice, CancellationToken.None))["API_KEY"].ShouldBe(new UserSecretValue(AliceKey, null));
        (await _store.GetSecretsAsync(Db, Bob, CancellationToken.None)).ShouldBeEmpty();
        _instances.Released.ShouldBe([(Db, Alice)]);
        _feed.Published.ShouldBe([new GatewayChange(GatewayChangeKind.UserConnections, "db/" + Alice.Key)]);
    }

    [Fact]
    public async Task SetSecrets_OfAnHttpBackend_AreKeptForItsOrigin_AndShownUnsetOnceItPointsElsewhere()
    {
        var api = ServerName.From("api");
        var pool = new FakePool();
        pool.Add(new FakeBackend(PerUserHttp("api", "https://api.example.test:8443/mcp")));

        await new SetMySecretsHandler(pool, _store, _changes)
            .Handle(new SetMySecretsCommand("api", Alice, new Dictionary<string, string?> { ["API_KEY"] = AliceKey }), CancellationToken.None);

        (await _store.GetSecretsAsync(api, Alice, CancellationToken.None))["API_KEY"].ShouldBe(new UserSecretValue(AliceKey, "https://api.example.test:8443"));
        var stored = (await _store.ListAsync(api, Alice, CancellationToken.None)).Single();
        MyConnectionView.From(PerUserHttp("api", "https://api.example.test:8443/v2"), stored).Connected.ShouldBeTrue();
        var moved = MyConnectionView.From(PerUserHttp("api", "https://collector.example.test/mcp"), stored);
        moved.Connected.ShouldBeFalse();
        moved.Secrets.ShouldBe([new ConnectionSecretView("API_KEY", null)]);
    }

    [Fact]
    public async Task SetSecrets_ForABackendNotInThePool_IsNotFound_AndWritesNothing()
    {
        await Should.ThrowAsync<NotFoundException>(() => new SetMySecretsHandler(_pool, _store, _changes)
            .Handle(new SetMySecretsCommand("gone", Alice, new Dictionary<string, string?> { ["API_KEY"] = AliceKey }), CancellationToken.None));

        _store.Writes.ShouldBe(0);
        _feed.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task SetSecrets_Validator_NamesEachBadFieldAndNeverTheValue()
    {
        var tooLong = new string('x', SetMySecretsValidator.MaxValueLength + 1);
        var validator = new SetMySecretsValidator(_pool);

        var result = await validator.ValidateAsync(new SetMySecretsCommand("db", Alice, new Dictionary<string, string?>
        {
            ["API_KEY"] = string.Empty,
            ["TOKEN"] = tooLong,
            ["OTHER"] = AliceKey,
        }));

        result.Errors.Select(e => e.PropertyName).ShouldBe(["API_KEY", "TOKEN", "OTHER"], ignoreOrder: true);
        result.Errors.Single(e => e.PropertyName == "OTHER").ErrorMessage.ShouldBe("The backend 'db' does not reference 'OTHER'; it references API_KEY, TOKEN.");
        result.Errors.ShouldAllBe(e => !e.ErrorMessage.Contains(AliceKey) && !e.ErrorMessage.Contains(tooLong) && e.AttemptedValue == null);
        (await validator.ValidateAsync(new SetMySecretsCommand("db", Alice, new Dictionary<string, string?> { ["API_KEY"] = new string('x', SetMySecretsValidator.MaxValueLength) })))
            .IsValid.ShouldBeTrue();
    }

    [Fact]
    public async Task SetSecrets_Validator_RefusesALineBreakForAHeader_AndANulAnywhere_WithoutTheValue()
    {
        _pool.Add(new FakeBackend(new StreamableHttpBackendSettings
        {
            Name = ServerName.From("api"),
            Url = new Uri("https://api.example.test/mcp"),
            Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer ${user:API_TOKEN}" },
            Credentials = BackendCredentialMode.PerUser,
        }));
        var validator = new SetMySecretsValidator(_pool);

        var header = await validator.ValidateAsync(new SetMySecretsCommand("api", Alice, new Dictionary<string, string?> { ["API_TOKEN"] = "s3cret-value\n" }));
        var nul = await validator.ValidateAsync(new SetMySecretsCommand("db", Alice, new Dictionary<string, string?> { ["API_KEY"] = "s3cret\0value" }));

        header.Errors.ShouldHaveSingleItem().ErrorMessage.ShouldContain("line break");
        nul.Errors.ShouldHaveSingleItem().ErrorMessage.ShouldContain("NUL");
        header.Errors.Concat(nul.Errors).ShouldAllBe(e => !e.ErrorMessage.Contains("s3cret") && e.AttemptedValue == null);

        // In an environment value a line break is fine (a PEM key).
        (await validator.ValidateAsync(new SetMySecretsCommand("db", Alice, new Dictionary<string, string?> { ["API_KEY"] = "line1\nline2" }))).IsValid.ShouldBeTrue();
    }

    [Fact]
    public async Task SetSecrets_Validator_RefusesASharedBackend_AnEmptyBody_AndABadName()
    {
        var validator = new SetMySecretsValidator(_pool);
        var values = new Dictionary<string, string?> { ["API_KEY"] = AliceKey };

        (await validator.ValidateAsync(new SetMySecretsCommand("plain", Alice, values))).Errors.Select(e => (e.PropertyName, e.ErrorMessage))
            .ShouldBe([("backend", "The backend 'plain' uses shared credentials: there is nothing to connect for yourself.")]);
        (await validator.ValidateAsync(new SetMySecretsCommand("db", Alice, new Dictionary<string, string?>()))).Errors.Single().PropertyName.ShouldBe("body");
        (await validator.ValidateAsync(new SetMySecretsCommand("db", Alice, null))).Errors.Single().PropertyName.ShouldBe("body");
        (await validator.ValidateAsync(new SetMySecretsCommand("bad name!", Alice, values))).Errors.Single().PropertyName.ShouldBe("backend");
    }

    [Fact]
    public async Task Disconnect_DeletesTheOwnersConnectionOnly_ReleasesAndPublishes()
    {
        await _store.SetSecretsAsync(Db, Alice, new Dictionary<string, string> { ["API_KEY"] = AliceKey }, setFor: null, CancellationToken.None);
        await _store.SetSecretsAsync(Db, Bob, new Dictionary<string, string> { ["API_KEY"] = "bob" }, setFor: null, CancellationToken.None);

        await new DisconnectMyConnectionHandler(_store, _changes).Handle(new DisconnectMyConnectionCommand("db", Alice), CancellationToken.None);

        (await _store.ListAsync(Db, null, CancellationToken.None)).Select(c => c.Owner).ShouldBe([Bob]);
        _instances.Released.ShouldBe([(Db, Alice)]);
        _feed.Published.ShouldBe([new GatewayChange(GatewayChangeKind.UserConnections, "db/" + Alice.Key)]);
    }

    [Fact]
    public async Task Disconnect_WithoutAConnection_IsNotFound_AndPublishesNothing()
    {
        await Should.ThrowAsync<NotFoundException>(() =>
            new DisconnectMyConnectionHandler(_store, _changes).Handle(new DisconnectMyConnectionCommand("db", Alice), CancellationToken.None));

        _instances.Released.ShouldBeEmpty();
        _feed.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task StartAuthorization_BeginsTheOwnersFlow_AtTheCallback()
    {
        var url = await new StartMyConnectionAuthorizationHandler(_pool, _oauth)
            .Handle(new StartMyConnectionAuthorizationCommand("gh", Alice, Callback), CancellationToken.None);

        url.Host.ShouldBe("auth.example.test");
        var begun = _oauth.Begun.ShouldHaveSingleItem();
        (begun.Backend.Name, begun.Owner, begun.RedirectUri).ShouldBe((Gh, Alice, Callback));
    }

    [Fact]
    public async Task StartAuthorization_OfAStdioOrSharedBackend_IsRefused()
    {
        var stdio = await Should.ThrowAsync<DomainException>(() => new StartMyConnectionAuthorizationHandler(_pool, _oauth)
            .Handle(new StartMyConnectionAuthorizationCommand("db", Alice, Callback), CancellationToken.None));

        stdio.Code.ShouldBe("backend.oauth_not_http");
        (await new StartMyConnectionAuthorizationValidator(_pool).ValidateAsync(new StartMyConnectionAuthorizationCommand("plain", Alice, Callback)))
            .Errors.Single().PropertyName.ShouldBe("backend");
        _oauth.Begun.ShouldBeEmpty();
    }

    [Fact]
    public async Task ListAll_NamesUsersInsteadOfKeys_AndFiltersByBackend()
    {
        var alice = await AddUser("alice");
        await _store.SetSecretsAsync(Db, alice, new Dictionary<string, string> { ["API_KEY"] = AliceKey }, setFor: null, CancellationToken.None);
        await _store.SetSecretsAsync(Db, ConnectionOwner.Local, new Dictionary<string, string> { ["TOKEN"] = "local-token" }, setFor: null, CancellationToken.None);
        _store.MarkOAuthConnected(Gh, alice);

        var all = await new ListConnectionsHandler(_store, _users).Handle(new ListConnectionsQuery(null), CancellationToken.None);
        var db = await new ListConnectionsHandler(_store, _users).Handle(new ListConnectionsQuery("db"), CancellationToken.None);

        all.Select(c => (c.Backend, c.User, c.OAuthStatus)).ShouldBe([("db", "alice", null), ("db", "local", null), ("gh", "alice", MyConnectionView.OAuthConnected)], ignoreOrder: true);
        all.Single(c => c.Backend == "db" && c.User == "alice").Secrets.ShouldBe([new ConnectionSecretView("API_KEY", _time.GetUtcNow())]);
        all.ShouldAllBe(c => !c.ToString().Contains(AliceKey) && !c.ToString().Contains("local-token"));
        db.Select(c => c.User).ShouldBe(["alice", "local"], ignoreOrder: true);
    }

    [Fact]
    public async Task Revoke_DeletesThatUsersConnection_ReleasesAndPublishes()
    {
        var alice = await AddUser("alice");
        await _store.SetSecretsAsync(Db, alice, new Dictionary<string, string> { ["API_KEY"] = AliceKey }, setFor: null, CancellationToken.None);
        await _store.SetSecretsAsync(Db, Bob, new Dictionary<string, string> { ["API_KEY"] = "bob" }, setFor: null, CancellationToken.None);

        await new RevokeConnectionHandler(_store, _users, _changes).Handle(new RevokeConnectionCommand("db", "alice"), CancellationToken.None);

        (await _store.ListAsync(Db, null, CancellationToken.None)).Select(c => c.Owner).ShouldBe([Bob]);
        _instances.Released.ShouldBe([(Db, alice)]);
        _feed.Published.ShouldBe([new GatewayChange(GatewayChangeKind.UserConnections, "db/" + alice.Key)]);
    }

    [Fact]
    public async Task Revoke_OfAnUnknownUserOrAMissingConnection_IsNotFound_AndChangesNothing()
    {
        await AddUser("alice");

        await Should.ThrowAsync<NotFoundException>(() => new RevokeConnectionHandler(_store, _users, _changes).Handle(new RevokeConnectionCommand("db", "nobody"), CancellationToken.None));
        await Should.ThrowAsync<NotFoundException>(() => new RevokeConnectionHandler(_store, _users, _changes).Handle(new RevokeConnectionCommand("db", "alice"), CancellationToken.None));

        _store.Writes.ShouldBe(0);
        _feed.Published.ShouldBeEmpty();
        (await new RevokeConnectionValidator().ValidateAsync(new RevokeConnectionCommand("db", "not a name"))).Errors.Single().PropertyName.ShouldBe("userName");
    }

    [Fact]
    public async Task Revoke_Local_WithoutAUserOfThatName_IsTheLocalOwners()
    {
        await _store.SetSecretsAsync(Db, ConnectionOwner.Local, new Dictionary<string, string> { ["API_KEY"] = AliceKey }, setFor: null, CancellationToken.None);

        await new RevokeConnectionHandler(_store, _users, _changes).Handle(new RevokeConnectionCommand("db", ConnectionOwner.LocalKey), CancellationToken.None);

        (await _store.ListAsync(null, null, CancellationToken.None)).ShouldBeEmpty();
        _instances.Released.ShouldBe([(Db, ConnectionOwner.Local)]);
    }

    [Fact]
    public async Task Revoke_WhenTheUserWasRemovedAfterStoringIt_RemovesTheConnectionByTheKeyTheListShows()
    {
        // A connection stored by a request of the user's that was still running when the user was removed (after the
        // removal deleted their connections): the list shows it under the owner key, and that is what the dashboard sends.
        var gone = ConnectionOwner.Of(Guid.NewGuid());
        await _store.SetSecretsAsync(Db, gone, new Dictionary<string, string> { ["API_KEY"] = AliceKey }, setFor: null, CancellationToken.None);
        await _store.SetSecretsAsync(Db, Bob, new Dictionary<string, string> { ["API_KEY"] = "bob" }, setFor: null, CancellationToken.None);
        var shown = (await new ListConnectionsHandler(_store, _users).Handle(new ListConnectionsQuery("db"), CancellationToken.None))
            .Single(c => c.User != Bob.Key).User;

        await new RevokeConnectionHandler(_store, _users, _changes).Handle(new RevokeConnectionCommand("db", shown.ToUpperInvariant()), CancellationToken.None);

        (await _store.ListAsync(Db, null, CancellationToken.None)).Select(c => c.Owner).ShouldBe([Bob]);
        _instances.Released.ShouldBe([(Db, gone)]);
        (await new RevokeConnectionValidator().ValidateAsync(new RevokeConnectionCommand("db", shown))).IsValid.ShouldBeTrue();
    }

    [Fact]
    public async Task Approve_TokensWaitingForAnAdministrator_AreApproved_ReleasedAndPublished()
    {
        var alice = await AddUser("alice");
        _oauth.Waiting.Add((Gh, alice));

        await new ApproveConnectionHandler(_pool, _oauth, _users, _changes).Handle(new ApproveConnectionCommand("gh", "alice"), CancellationToken.None);

        _oauth.Approved.ShouldBe([(Gh, alice)]);
        _instances.Released.ShouldBe([(Gh, alice)]);
        _feed.Published.ShouldBe([new GatewayChange(GatewayChangeKind.UserConnections, "gh/" + alice.Key)]);
    }

    [Fact]
    public async Task Approve_WithNothingWaiting_IsNotFound_AndPublishesNothing()
    {
        await AddUser("alice");

        await Should.ThrowAsync<NotFoundException>(() =>
            new ApproveConnectionHandler(_pool, _oauth, _users, _changes).Handle(new ApproveConnectionCommand("gh", "alice"), CancellationToken.None));

        _oauth.Approved.ShouldBeEmpty();
        _feed.Published.ShouldBeEmpty();
    }

    [Fact]
    public void Views_AnswerWithTheDocumentedNames_AndNoValue()
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var summary = new UserConnectionSummary(Db, Alice, [new UserSecretInfo("API_KEY", _time.GetUtcNow())], null, false, _time.GetUtcNow(), _time.GetUtcNow());

        var mine = JsonSerializer.SerializeToNode(MyConnectionView.From(_pool.Backends.Single(b => b.Name == Db).Settings, summary), web)!.AsObject();
        var all = JsonSerializer.SerializeToNode(ConnectionView.From(summary, "alice"), web)!.AsObject();

        mine.Select(p => p.Key).ShouldBe(["backend", "transport", "secrets", "oauth", "oauthRequired", "oauthStatus", "oauthConnectedAt", "connected", "updatedAt"]);
        all.Select(p => p.Key).ShouldBe(["backend", "user", "secrets", "oauthStatus", "oauthConnectedAt", "createdAt", "updatedAt"]);
        ((JsonObject)mine["secrets"]![0]!).Select(p => p.Key).ShouldBe(["name", "setAt"]);
    }

    private static StreamableHttpBackendSettings PerUserHttp(string name, string url) => new()
    {
        Name = ServerName.From(name),
        Url = new Uri(url),
        Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-Api-Key"] = "${user:API_KEY}" },
        Credentials = BackendCredentialMode.PerUser,
    };

    private static StdioBackendSettings PerUserStdio(string name, params (string Name, string Value)[] env) => new()
    {
        Name = ServerName.From(name),
        Command = "node",
        Args = ["server.js"],
        Environment = env.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal),
        Credentials = BackendCredentialMode.PerUser,
    };

    private Task<IReadOnlyList<MyConnectionView>> ListMine(ConnectionOwner owner) =>
        new ListMyConnectionsHandler(_pool, _store).Handle(new ListMyConnectionsQuery(owner), CancellationToken.None);

    private async Task<ConnectionOwner> AddUser(string name)
    {
        var user = User.Create(name, "hash", UserRole.Member, _time.GetUtcNow());
        await _users.AddAsync(user, CancellationToken.None);
        return ConnectionOwner.Of(user.Id);
    }
}
