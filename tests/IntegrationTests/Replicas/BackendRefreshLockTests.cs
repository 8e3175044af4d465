using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.Repositories;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// Two replicas (two token sources, each with its own connection pool) on one PostgreSQL database renew the same
/// backend's rotating refresh token at the same moment: the advisory lock lets one of them spend it, the other reads
/// the new tokens, and the backend never loses its authorization. The same holds for one user's own tokens of a
/// per-user backend, locked per backend and user.
/// </summary>
[Collection(PostgresCollectionDefinition.Name)]
public sealed class BackendRefreshLockTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly ServerName Vault = ServerName.From("vault");
    private static readonly Uri Callback = new("https://gateway.example.com/oauth/callback/vault");
    private readonly IDataProtectionProvider _keys = new EphemeralDataProtectionProvider();
    private readonly List<NpgsqlConnectionFactory> _factories = [];
    private HttpTestServer _backend = null!;

    public async Task InitializeAsync() => _backend = await HttpTestServer.StartAsync("vault", extraArgs: ["--require-oauth"]);

    public async Task DisposeAsync()
    {
        foreach (var factory in _factories)
        {
            await factory.DisposeAsync();
        }

        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task TwoReplicasRefreshingTheSameRotatingToken_OnlyOneRefreshReachesTheServer_AndBothUseTheNewTokens()
    {
        var (first, second) = await TwoReplicasAsync(BackendCredentialMode.Shared);
        await StoreExpiredTokensAsync(new BackendCredentialStore(first, _keys, TimeProvider.System));

        // Each refresh request waits (up to a bound) for the other replica's: without the lock both reach the server
        // with the same refresh token, and the second is refused.
        using var gate = new MeetingGate(expected: 2, TimeSpan.FromSeconds(2));
        var replicas = TokenSources(gate, first, second);

        var tokens = await Task.WhenAll(replicas.Select(r => r.GetAccessTokenAsync(Vault, CancellationToken.None).AsTask()));

        tokens.ShouldAllBe(t => t != null && t == tokens[0]);
        gate.Arrived.ShouldBe(1, "refresh requests that reached the authorization server");
        (await StatsAsync())["refreshes"]!.GetValue<int>().ShouldBe(1);
        var stored = (await new BackendCredentialStore(second, _keys, TimeProvider.System).LoadAsync(Vault, CancellationToken.None)).Credentials.Tokens;
        stored.ShouldNotBeNull().AccessToken.ShouldBe(tokens[0]);
        replicas.ShouldAllBe(r => r.HasTokens(Vault));
    }

    [Fact]
    public async Task TwoReplicasRefreshingTheSameUsersRotatingToken_OnlyOneRefreshReachesTheServer_AndTheOtherUserIsUntouched()
    {
        var (first, second) = await TwoReplicasAsync(BackendCredentialMode.PerUser);
        var alice = new Application.Connections.ConnectionOwner("alice-id");
        var bob = new Application.Connections.ConnectionOwner("bob-id");
        var users = new UserConnectionStore(first, _keys, TimeProvider.System);
        var alicesTokens = await IssueExpiredTokensAsync();
        (await users.UpdateAsync(Vault, alice, c => c with { Tokens = alicesTokens }, CancellationToken.None)).ShouldBeTrue();
        var bobsTokens = await IssueExpiredTokensAsync();
        (await users.UpdateAsync(Vault, bob, c => c with { Tokens = bobsTokens }, CancellationToken.None)).ShouldBeTrue();
        var bobStored = (await users.LoadAsync(Vault, bob, CancellationToken.None)).Stored;
        using var gate = new MeetingGate(expected: 2, TimeSpan.FromSeconds(2));
        var replicas = TokenSources(gate, first, second);

        var tokens = await Task.WhenAll(replicas.Select(r => r.GetAccessTokenAsync(Vault, alice, CancellationToken.None).AsTask()));

        tokens.ShouldAllBe(t => t != null && t == tokens[0]);
        gate.Arrived.ShouldBe(1, "refresh requests that reached the authorization server");
        (await users.LoadAsync(Vault, alice, CancellationToken.None)).Connection.Tokens.ShouldNotBeNull().AccessToken.ShouldBe(tokens[0]);
        (await users.LoadAsync(Vault, bob, CancellationToken.None)).Stored.ShouldBe(bobStored);
    }

    /// <summary>A migrated database with the vault backend, and two replicas' connection pools on it.</summary>
    private async Task<(NpgsqlConnectionFactory First, NpgsqlConnectionFactory Second)> TwoReplicasAsync(BackendCredentialMode credentials)
    {
        var options = new PersistenceOptions { ConnectionString = postgres.ConnectionStringFor(await postgres.CreateDatabaseAsync()), DataDirectory = Path.GetTempPath() };
        await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var first = new NpgsqlConnectionFactory(options);
        var second = new NpgsqlConnectionFactory(options);
        _factories.AddRange([first, second]);
        await new BackendServiceRepository(first, _keys).AddAsync(
            BackendService.Register(
                new StreamableHttpBackendSettings { Name = Vault, Url = new Uri(_backend.McpUrl), Credentials = credentials }, BackendOrigin.Api, DateTimeOffset.UtcNow),
            CancellationToken.None);
        return (first, second);
    }

    /// <summary>One token source per replica, each refresh request held at <paramref name="gate"/>.</summary>
    private List<BackendTokenSource> TokenSources(MeetingGate gate, params NpgsqlConnectionFactory[] replicas) =>
        [.. replicas.Select(connections => new BackendTokenSource(
            new BackendCredentialStore(connections, _keys, TimeProvider.System),
            new UserConnectionStore(connections, _keys, TimeProvider.System),
            new BackendOAuthHttp(new HttpClient(new RefreshGateHandler(gate) { InnerHandler = new HttpClientHandler() })),
            TimeProvider.System,
            NullLogger<BackendTokenSource>.Instance,
            new BackendRefreshLock(connections)))];

    /// <summary>Authorizes the backend for real (code + PKCE) and stores its tokens as already expired.</summary>
    private async Task StoreExpiredTokensAsync(BackendCredentialStore store)
    {
        var expired = await IssueExpiredTokensAsync();
        (await store.TryReplaceAsync(Vault, null, new BackendCredentials { Client = expired.Client, Tokens = expired }, CancellationToken.None)).ShouldBeTrue();
    }

    /// <summary>Authorizes the backend for real (code + PKCE): its tokens, as already expired.</summary>
    private async Task<BackendTokenSet> IssueExpiredTokensAsync()
    {
        using var plain = new HttpClient();
        var oauth = new BackendOAuthHttp(plain);
        var server = await oauth.DiscoverAsync(new Uri(_backend.McpUrl), CancellationToken.None);
        var (clientId, secret) = await oauth.RegisterAsync(server, "gateway", Callback, server.ScopesSupported, CancellationToken.None);
        var client = new BackendOAuthClientRegistration(server.Issuer, server.AuthorizationEndpoint, server.TokenEndpoint, Callback, clientId, secret, server.Resource, Registered: true);
        var pkce = Pkce.Create();
        var authorize = new UriBuilder(server.AuthorizationEndpoint)
        {
            Query = string.Join('&', new Dictionary<string, string>
            {
                ["response_type"] = "code",
                ["client_id"] = clientId,
                ["redirect_uri"] = Callback.AbsoluteUri,
                ["code_challenge"] = pkce.Challenge,
                ["code_challenge_method"] = Pkce.Method,
                ["state"] = "s",
                ["resource"] = server.Resource,
            }.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")),
        }.Uri;
        var consent = await TestBackendConsent.DecideAsync(authorize, allow: true);
        var issued = await oauth.ExchangeCodeAsync(client, consent.Redirect.Code!, pkce.Verifier, CancellationToken.None);
        issued.RefreshToken.ShouldNotBeNull();
        var now = DateTimeOffset.UtcNow;
        return new BackendTokenSet(issued.AccessToken, issued.RefreshToken, now.AddHours(-1), now.AddMinutes(-1), issued.Scopes ?? [], client);
    }

    private async Task<JsonObject> StatsAsync()
    {
        using var http = new HttpClient();
        return (await http.GetFromJsonAsync<JsonObject>(new Uri(_backend.BaseUrl, "/test-oauth/stats")))!;
    }

    /// <summary>Holds each refresh_token request until <c>expected</c> have arrived or the bound passes.</summary>
    private sealed class MeetingGate(int expected, TimeSpan bound) : IDisposable
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _timeout = new();
        private int _arrived;

        public int Arrived => Volatile.Read(ref _arrived);

        public async Task ArriveAsync()
        {
            if (Interlocked.Increment(ref _arrived) >= expected)
            {
                _all.TrySetResult();
            }

            await Task.WhenAny(_all.Task, Task.Delay(bound, _timeout.Token));
        }

        public void Dispose()
        {
            _timeout.Cancel();
            _timeout.Dispose();
        }
    }

    private sealed class RefreshGateHandler(MeetingGate gate) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null && (await request.Content.ReadAsStringAsync(cancellationToken)).Contains("grant_type=refresh_token", StringComparison.Ordinal))
            {
                await gate.ArriveAsync();
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
