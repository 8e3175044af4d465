using System.Data.Common;
using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.Repositories;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support.OAuth;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Tokens a backend's authorization server has renewed are never lost: not when the call that asked for them goes
/// away while the server answers, not when the database fails to save them; and a renewal with an old grant never
/// overwrites or drops tokens stored meanwhile (an approval, a reconnect). Only a refusal of the grant drops tokens.
/// </summary>
public sealed class BackendTokenRenewalTests(SqliteDatabaseFixture fixture) : IClassFixture<SqliteDatabaseFixture>, IAsyncLifetime
{
    private static readonly ServerName Vault = VaultBackend.Name;
    private static readonly ConnectionOwner Alice = new("alice-id");
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    private readonly IDataProtectionProvider _keys = new EphemeralDataProtectionProvider();
    private readonly RotatingTokenEndpoint _endpoint = new();
    private TestDatabase _db = null!;

    private BackendCredentialStore Shared => new(_db.Factory, _keys, _time);

    private UserConnectionStore Users => new(_db.Factory, _keys, _time);

    public async Task InitializeAsync()
    {
        _db = await fixture.GetAsync();
        await _db.ResetAsync();
        await VaultBackend.RegisterAsync(_db, _keys, _time);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ACallerThatGoesAwayWhileTheServerRotatesTheRefreshToken_LosesNothing_AndTheNextRenewalSpendsTheNewOne()
    {
        await StoreAsync(Expired("access-1", "refresh-1"));
        _endpoint.Renew("refresh-1", "access-2", "refresh-2");
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _endpoint.BeforeAnswer = async () =>
        {
            arrived.TrySetResult();
            await answer.Task;
        };
        var source = Source();
        using var caller = new CancellationTokenSource();

        var call = source.GetAccessTokenAsync(Vault, caller.Token).AsTask();
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The MCP client cancels (or its request times out) while the server has already rotated refresh-1.
        caller.Cancel();
        answer.SetResult();

        await Should.ThrowAsync<OperationCanceledException>(call);
        var stored = await Eventually.ValueAsync(
            async () => (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens, t => t?.AccessToken == "access-2", "the renewed tokens to be saved", TimeSpan.FromSeconds(10));
        stored!.RefreshToken.ShouldBe("refresh-2");
        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("access-2");

        _time.Advance(TimeSpan.FromHours(2));
        _endpoint.BeforeAnswer = null;
        _endpoint.Renew("refresh-2", "access-3", "refresh-3");
        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("access-3");
        _endpoint.Presented.ShouldBe(["refresh-1", "refresh-2"]);
    }

    [Fact]
    public async Task RenewedTokensTheDatabaseFailsToSave_AreUsed_AndSavedOnALaterUse()
    {
        await StoreAsync(Expired("access-1", "refresh-1"));
        _endpoint.Renew("refresh-1", "access-2", "refresh-2");
        var connections = new FailingConnections(_db.Factory);
        // The database goes away (a failover) while the token endpoint answers: the save after it fails.
        _endpoint.BeforeAnswer = () =>
        {
            connections.FailNextOpens(1);
            return Task.CompletedTask;
        };
        var source = Source(connections);

        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("access-2");
        (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens!.AccessToken.ShouldBe("access-1", "not saved yet");

        _time.Advance(BackendTokenSource.TransientRetryDelay);
        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("access-2");

        var stored = (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens.ShouldNotBeNull();
        stored.AccessToken.ShouldBe("access-2");
        stored.RefreshToken.ShouldBe("refresh-2");
        _endpoint.Presented.ShouldBe(["refresh-1"]);
    }

    [Fact]
    public async Task RenewedTokensTheDatabaseFailsToSave_AreSavedInTheBackgroundOnceItIsBack_WithoutAnotherUse()
    {
        await StoreAsync(Expired("access-1", "refresh-1"));
        _endpoint.Renew("refresh-1", "access-2", "refresh-2");
        var connections = new FailingConnections(_db.Factory);
        // The database is away for the save after the renewal and for the first retry, then back.
        _endpoint.BeforeAnswer = () =>
        {
            connections.FailNextOpens(2);
            return Task.CompletedTask;
        };
        var source = Source(connections);
        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("access-2");

        // Nothing uses the backend again (the gateway could restart first): the store takes the renewed tokens anyway,
        // or the refresh token the server rotated away would be all that is left after a restart.
        var stored = await Eventually.ValueAsync(
            async () =>
            {
                _time.Advance(BackendTokenSource.TransientRetryDelay);
                return (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens;
            },
            t => t?.AccessToken == "access-2",
            "the renewed tokens to be saved in the background",
            TimeSpan.FromSeconds(10));
        stored!.RefreshToken.ShouldBe("refresh-2");
        _endpoint.Presented.ShouldBe(["refresh-1"]);
    }

    [Fact]
    public async Task RenewedTokensTheDatabaseFailsToSave_AreSavedBeforeTheNextRenewal_WhichSpendsTheNewRefreshToken()
    {
        await StoreAsync(Expired("access-1", "refresh-1"));
        _endpoint.Renew("refresh-1", "access-2", "refresh-2");
        _endpoint.Renew("refresh-2", "access-3", "refresh-3");
        var connections = new FailingConnections(_db.Factory);
        _endpoint.BeforeAnswer = () =>
        {
            connections.FailNextOpens(1);
            return Task.CompletedTask;
        };
        var source = Source(connections);
        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("access-2");
        _endpoint.BeforeAnswer = null;

        // Expired before any other use: the store still holds refresh-1, which the server no longer renews.
        _time.Advance(TimeSpan.FromHours(2));
        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("access-3");

        _endpoint.Presented.ShouldBe(["refresh-1", "refresh-2"]);
        (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens!.RefreshToken.ShouldBe("refresh-3");
    }

    [Fact]
    public async Task TokensApprovedWhileARenewalWithTheOldGrantIsRefused_StayStored_AndAreUsed()
    {
        await StoreAsync(Expired("access-1", "refresh-1"));
        var fresh = Valid("fresh-access", "fresh-refresh");
        var source = Source();
        var oauth = new BackendOAuth(Shared, new BackendOAuthFlow(Shared, Http(), _time), source, NullLogger<BackendOAuth>.Instance);
        // An administrator approves new tokens while the old refresh token is being refused (invalid_grant).
        _endpoint.BeforeAnswer = () => oauth.AcceptAsync(Vault, Shared.ProtectTokens(fresh), Ct);

        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("fresh-access");

        (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens!.AccessToken.ShouldBe("fresh-access");
        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("fresh-access");
        source.HasTokens(Vault).ShouldBeTrue();
    }

    [Fact]
    public async Task TokensApprovedWhileARenewalWithTheOldGrantSucceeds_AreNotOverwrittenByIt()
    {
        await StoreAsync(Expired("access-1", "refresh-1"));
        _endpoint.Renew("refresh-1", "access-2", "refresh-2");
        var fresh = Valid("fresh-access", "fresh-refresh");
        var source = Source();
        var oauth = new BackendOAuth(Shared, new BackendOAuthFlow(Shared, Http(), _time), source, NullLogger<BackendOAuth>.Instance);
        _endpoint.BeforeAnswer = () => oauth.AcceptAsync(Vault, Shared.ProtectTokens(fresh), Ct);

        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("fresh-access");

        (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens!.AccessToken.ShouldBe("fresh-access");
        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("fresh-access");
    }

    [Fact]
    public async Task AUsersTokensApprovedWhileARenewalWithTheOldGrantIsRefused_StayStored_AndAreUsed()
    {
        var fresh = Valid("alice-fresh", "alice-fresh-refresh");
        (await Users.UpdateAsync(Vault, Alice, c => c with { Tokens = Expired("alice-1", "alice-refresh"), TokensAwaitingApproval = fresh }, Ct)).ShouldBeTrue();
        var source = Source();
        var connections = new UserBackendOAuth(
            Users, new BackendOAuthFlow(Shared, Http(), _time), Shared, source, new BackendServiceRepository(_db.Factory, _keys), NullLogger<UserBackendOAuth>.Instance);
        _endpoint.BeforeAnswer = async () => (await connections.ApproveAsync(Vault, Alice, Ct)).ShouldBeTrue();

        (await source.GetAccessTokenAsync(Vault, Alice, Ct)).ShouldBe("alice-fresh");

        var stored = (await Users.LoadAsync(Vault, Alice, Ct)).Connection;
        stored.Tokens!.AccessToken.ShouldBe("alice-fresh");
        stored.ConnectedAt.ShouldNotBeNull();
        (await source.GetAccessTokenAsync(Vault, Alice, Ct)).ShouldBe("alice-fresh");
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "text/html", "<html><body>404 Not Found</body></html>")]
    [InlineData(HttpStatusCode.Forbidden, "text/html", "<html><body>Blocked by the proxy</body></html>")]
    [InlineData(HttpStatusCode.OK, "application/json", """{"token_type":"Bearer"}""")]
    [InlineData(HttpStatusCode.BadRequest, "application/json", """{"error":"invalid_request"}""")]
    public async Task AnAnswerThatIsNoRefusalOfTheGrant_KeepsTheTokens_AndTheyAreRenewedAfterThePause(HttpStatusCode status, string mediaType, string body)
    {
        await StoreAsync(Expired("access-1", "refresh-1"));
        _endpoint.AnswerOnce(status, mediaType, body);
        var source = Source();

        var failure = await Should.ThrowAsync<HttpRequestException>(() => source.GetAccessTokenAsync(Vault, Ct).AsTask());
        failure.Message.ShouldContain("tries again shortly");
        (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens!.RefreshToken.ShouldBe("refresh-1");
        source.HasTokens(Vault).ShouldBeTrue();

        _endpoint.Renew("refresh-1", "access-2", "refresh-2");
        _time.Advance(BackendTokenSource.TransientRetryDelay);
        (await source.GetAccessTokenAsync(Vault, Ct)).ShouldBe("access-2");
        _endpoint.Presented.ShouldBe(["refresh-1", "refresh-1"]);
    }

    [Theory]
    [InlineData("invalid_grant")]
    [InlineData("invalid_client")]
    [InlineData("unauthorized_client")]
    public async Task ARefusalOfTheGrant_DropsTheTokens(string error)
    {
        await StoreAsync(Expired("access-1", "refresh-1"));
        _endpoint.AnswerOnce(HttpStatusCode.BadRequest, "application/json", $$"""{"error":"{{error}}"}""");
        var source = Source();

        var refused = await Should.ThrowAsync<BackendAuthorizationRequiredException>(() => source.GetAccessTokenAsync(Vault, Ct).AsTask());

        refused.Message.ShouldContain(error);
        (await Shared.LoadAsync(Vault, Ct)).Credentials.Tokens.ShouldBeNull();
        source.HasTokens(Vault).ShouldBeFalse();
    }

    private BackendTokenSource Source(IDbConnectionFactory? connections = null)
    {
        var factory = connections ?? _db.Factory;
        return new BackendTokenSource(
            new BackendCredentialStore(factory, _keys, _time),
            new UserConnectionStore(factory, _keys, _time),
            Http(),
            _time,
            NullLogger<BackendTokenSource>.Instance,
            new BackendRefreshLock(factory));
    }

    private BackendOAuthHttp Http() => new(new HttpClient(_endpoint, disposeHandler: false));

    private async Task StoreAsync(BackendTokenSet tokens) =>
        await Shared.UpdateAsync(Vault, c => c with { Client = tokens.Client, Tokens = tokens }, Ct);

    private BackendTokenSet Expired(string access, string refresh) => VaultBackend.Expired(_time, access, refresh);

    private BackendTokenSet Valid(string access, string refresh) => VaultBackend.Valid(_time, access, refresh);

    /// <summary>The test database, except that the next few connections cannot be opened (the database is unreachable).</summary>
    private sealed class FailingConnections(IDbConnectionFactory inner) : IDbConnectionFactory
    {
        private int _failures;

        public SqlDialect Dialect => inner.Dialect;

        public void FailNextOpens(int count) => Interlocked.Exchange(ref _failures, count);

        public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
            Interlocked.Decrement(ref _failures) >= 0 ? throw new DatabaseUnreachableException() : inner.OpenAsync(cancellationToken);
    }
}
