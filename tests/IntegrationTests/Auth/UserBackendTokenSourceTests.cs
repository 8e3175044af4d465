using System.Net;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Persistence.Repositories;
using OneMcp.IntegrationTests.Persistence;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// A user's own OAuth tokens for a per-user backend (ADR 0033): read from that user's row, renewed and dropped for
/// that user alone, never touching another user's tokens or the backend's shared ones.
/// </summary>
public sealed class UserBackendTokenSourceTests(SqliteDatabaseFixture fixture) : IClassFixture<SqliteDatabaseFixture>, IAsyncLifetime
{
    private static readonly ServerName Vault = ServerName.From("vault");
    private static readonly ConnectionOwner Alice = new("alice-id");
    private static readonly ConnectionOwner Bob = new("bob-id");
    private static readonly ConnectionOwner Carol = new("carol-id");
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static readonly BackendOAuthClientRegistration Client = new(
        "https://vault.example.com", new Uri("https://vault.example.com/authorize"), new Uri("https://vault.example.com/token"),
        new Uri("https://gateway.example.com/oauth/callback/vault"), "client-1", null, "https://vault.example.com/mcp", Registered: true);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    private readonly IDataProtectionProvider _keys = new EphemeralDataProtectionProvider();
    private readonly TokenEndpoint _endpoint = new();
    private TestDatabase _db = null!;

    private UserConnectionStore Users => new(_db.Factory, _keys, _time);

    private BackendCredentialStore Shared => new(_db.Factory, _keys, _time);

    public async Task InitializeAsync()
    {
        _db = await fixture.GetAsync();
        await _db.ResetAsync();
        await new BackendServiceRepository(_db.Factory, _keys).AddAsync(
            BackendService.Register(
                new StreamableHttpBackendSettings { Name = Vault, Url = new Uri("https://vault.example.com/mcp"), Credentials = BackendCredentialMode.PerUser },
                BackendOrigin.Api,
                _time.GetUtcNow()),
            Ct);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RefreshOfOneUser_LeavesTheOtherUsersAndTheSharedTokensAlone()
    {
        await StoreAsync(Alice, Expired("alice-1", "alice-refresh"));
        await StoreAsync(Bob, Valid("bob-1", "bob-refresh"));
        await Shared.TryReplaceAsync(Vault, null, new BackendCredentials { Client = Client, Tokens = Valid("shared-1", "shared-refresh") }, Ct);
        var bobBefore = (await Users.LoadAsync(Vault, Bob, Ct)).Stored;
        _endpoint.Renew("alice-refresh", "alice-2", "alice-refresh-2");
        var source = Source();

        (await source.GetAccessTokenAsync(Vault, Alice, Ct)).ShouldBe("alice-2");

        _endpoint.Presented.ShouldBe(["alice-refresh"]);
        var alice = (await Users.LoadAsync(Vault, Alice, Ct)).Connection.Tokens.ShouldNotBeNull();
        alice.AccessToken.ShouldBe("alice-2");
        alice.RefreshToken.ShouldBe("alice-refresh-2");
        (await Users.LoadAsync(Vault, Bob, Ct)).Stored.ShouldBe(bobBefore);
        (await source.GetAccessTokenAsync(Vault, Bob, Ct)).ShouldBe("bob-1");
        (await source.GetAccessTokenAsync(Vault, null, Ct)).ShouldBe("shared-1");
        _endpoint.Presented.ShouldBe(["alice-refresh"]);
    }

    [Fact]
    public async Task RefusedRefresh_DropsOnlyThatUsersTokens_AndKeepsTheirSecrets()
    {
        await Users.SetSecretsAsync(Vault, Alice, new Dictionary<string, string> { ["REGION"] = "eu" }, Ct);
        await StoreAsync(Alice, Expired("alice-1", "alice-refresh"));
        await StoreAsync(Bob, Expired("bob-1", "bob-refresh"));
        _endpoint.Renew("bob-refresh", "bob-2", "bob-refresh-2");
        var source = Source();

        var refused = await Should.ThrowAsync<BackendAuthorizationRequiredException>(() => source.GetAccessTokenAsync(Vault, Alice, Ct).AsTask());
        refused.Message.ShouldContain("Authorize it again");

        var alice = (await Users.LoadAsync(Vault, Alice, Ct)).Connection;
        alice.Tokens.ShouldBeNull();
        alice.ConnectedAt.ShouldBeNull();
        alice.Secrets.Keys.ShouldBe(["REGION"]);
        (await source.GetAccessTokenAsync(Vault, Bob, Ct)).ShouldBe("bob-2");
        (await Users.LoadAsync(Vault, Bob, Ct)).Connection.Tokens!.AccessToken.ShouldBe("bob-2");
    }

    [Fact]
    public async Task AUserWithoutTokens_GetsNone()
    {
        await StoreAsync(Alice, Valid("alice-1", "alice-refresh"));
        await Users.SetSecretsAsync(Vault, Carol, new Dictionary<string, string> { ["REGION"] = "eu" }, Ct);

        (await Source().GetAccessTokenAsync(Vault, Carol, Ct)).ShouldBeNull();

        _endpoint.Presented.ShouldBeEmpty();
    }

    [Fact]
    public async Task RejectedUserToken_IsRenewedOnTheNextRequest_ForThatUserOnly()
    {
        await StoreAsync(Alice, Valid("alice-1", "alice-refresh"));
        await StoreAsync(Bob, Valid("bob-1", "bob-refresh"));
        _endpoint.Renew("alice-refresh", "alice-2", "alice-refresh-2");
        var source = Source();
        (await source.GetAccessTokenAsync(Vault, Alice, Ct)).ShouldBe("alice-1");
        (await source.GetAccessTokenAsync(Vault, Bob, Ct)).ShouldBe("bob-1");

        source.Reject(Vault, Alice, "alice-1");

        (await source.GetAccessTokenAsync(Vault, Alice, Ct)).ShouldBe("alice-2");
        (await source.GetAccessTokenAsync(Vault, Bob, Ct)).ShouldBe("bob-1");
        _endpoint.Presented.ShouldBe(["alice-refresh"]);
    }

    [Fact]
    public async Task Forget_ReadsTheUsersRowAgain()
    {
        var source = Source();
        (await source.GetAccessTokenAsync(Vault, Alice, Ct)).ShouldBeNull();
        await StoreAsync(Alice, Valid("alice-1", "alice-refresh"));

        source.Forget(Vault, Alice);

        (await source.GetAccessTokenAsync(Vault, Alice, Ct)).ShouldBe("alice-1");
    }

    private BackendTokenSource Source() => new(
        Shared, Users, new BackendOAuthHttp(new HttpClient(_endpoint)), _time, NullLogger<BackendTokenSource>.Instance, new BackendRefreshLock(_db.Factory));

    private async Task StoreAsync(ConnectionOwner owner, BackendTokenSet tokens) =>
        (await Users.UpdateAsync(Vault, owner, c => c with { Tokens = tokens, ConnectedAt = tokens.IssuedAt }, Ct)).ShouldBeTrue();

    private BackendTokenSet Expired(string access, string refresh) =>
        new(access, refresh, _time.GetUtcNow().AddHours(-2), _time.GetUtcNow().AddHours(-1), ["mcp:read"], Client);

    private BackendTokenSet Valid(string access, string refresh) =>
        new(access, refresh, _time.GetUtcNow(), _time.GetUtcNow().AddHours(1), ["mcp:read"], Client);

    /// <summary>The backend's token endpoint: renews the refresh tokens it was told to, refuses every other one (invalid_grant).</summary>
    private sealed class TokenEndpoint : HttpMessageHandler
    {
        private readonly Dictionary<string, (string Access, string Refresh)> _renewals = new(StringComparer.Ordinal);
        private readonly List<string> _presented = [];

        public IReadOnlyList<string> Presented
        {
            get
            {
                lock (_presented)
                {
                    return [.. _presented];
                }
            }
        }

        public void Renew(string refreshToken, string access, string refresh) => _renewals[refreshToken] = (access, refresh);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = System.Web.HttpUtility.ParseQueryString(await request.Content!.ReadAsStringAsync(cancellationToken));
            var presented = form["refresh_token"] ?? string.Empty;
            lock (_presented)
            {
                _presented.Add(presented);
            }

            return _renewals.TryGetValue(presented, out var renewed)
                ? Json(HttpStatusCode.OK, $$"""{"access_token":"{{renewed.Access}}","refresh_token":"{{renewed.Refresh}}","token_type":"Bearer","expires_in":3600}""")
                : Json(HttpStatusCode.BadRequest, """{"error":"invalid_grant","error_description":"The refresh token is unknown."}""");
        }

        private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
            new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }
}
