using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// A user's own OAuth tokens for a per-user backend (ADR 0033): read from that user's row, renewed and dropped for
/// that user alone, never touching another user's tokens or the backend's shared ones.
/// </summary>
public sealed class UserBackendTokenSourceTests(SqliteDatabaseFixture fixture) : IClassFixture<SqliteDatabaseFixture>, IAsyncLifetime
{
    private static readonly ServerName Vault = VaultBackend.Name;
    private static readonly ConnectionOwner Alice = new("alice-id");
    private static readonly ConnectionOwner Bob = new("bob-id");
    private static readonly ConnectionOwner Carol = new("carol-id");
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    private readonly IDataProtectionProvider _keys = new EphemeralDataProtectionProvider();
    private readonly RotatingTokenEndpoint _endpoint = new();
    private TestDatabase _db = null!;

    private UserConnectionStore Users => new(_db.Factory, _keys, _time);

    private BackendCredentialStore Shared => new(_db.Factory, _keys, _time);

    public async Task InitializeAsync()
    {
        _db = await fixture.GetAsync();
        await _db.ResetAsync();
        await VaultBackend.RegisterAsync(_db, _keys, _time);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RefreshOfOneUser_LeavesTheOtherUsersAndTheSharedTokensAlone()
    {
        await StoreAsync(Alice, Expired("alice-1", "alice-refresh"));
        await StoreAsync(Bob, Valid("bob-1", "bob-refresh"));
        await Shared.TryReplaceAsync(Vault, null, new BackendCredentials { Client = VaultBackend.Client, Tokens = Valid("shared-1", "shared-refresh") }, Ct);
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
        await Users.SetSecretsAsync(Vault, Alice, new Dictionary<string, string> { ["REGION"] = "eu" }, setFor: null, Ct);
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
        await Users.SetSecretsAsync(Vault, Carol, new Dictionary<string, string> { ["REGION"] = "eu" }, setFor: null, Ct);

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

    [Fact]
    public async Task Tokens_GoOnlyToTheOriginOfTheResourceTheyWereIssuedFor()
    {
        // The backend's URL was changed (an edit, mcp.json) after it was authorized for https://vault.example.com/mcp.
        await Shared.TryReplaceAsync(Vault, null, new BackendCredentials { Client = VaultBackend.Client, Tokens = Valid("shared-1", "shared-refresh") }, Ct);
        await StoreAsync(Alice, Valid("alice-1", "alice-refresh"));
        var source = Source();

        (await source.GetAccessTokenAsync(Vault, null, new Uri("https://vault.example.com/mcp"), Ct)).ShouldBe("shared-1");
        (await source.GetAccessTokenAsync(Vault, null, new Uri("https://VAULT.example.com/mcp/other?page=2"), Ct)).ShouldBe("shared-1");
        (await source.GetAccessTokenAsync(Vault, null, new Uri("https://elsewhere.example.com/mcp"), Ct)).ShouldBeNull();
        (await source.GetAccessTokenAsync(Vault, null, new Uri("http://vault.example.com/mcp"), Ct)).ShouldBeNull();
        (await source.GetAccessTokenAsync(Vault, Alice, new Uri("https://vault.example.com:8443/mcp"), Ct)).ShouldBeNull();
        (await source.GetAccessTokenAsync(Vault, Alice, new Uri("https://vault.example.com/mcp"), Ct)).ShouldBe("alice-1");

        // What a request through the backend's connection carries.
        var sent = new List<string?>();
        using var client = new HttpClient(new BackendBearerHandler(Vault, Alice, source, () => { })
        {
            InnerHandler = new Answering(request => sent.Add(request.Headers.Authorization?.Parameter)),
        });
        (await client.GetAsync(new Uri("https://vault.example.com/mcp"))).Dispose();
        (await client.GetAsync(new Uri("https://attacker.example.net/mcp"))).Dispose();
        sent.ShouldBe(["alice-1", null]);
    }

    /// <summary>Answers 200 to every request, after showing it to <paramref name="seen"/>.</summary>
    private sealed class Answering(Action<HttpRequestMessage> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen(request);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }

    private BackendTokenSource Source() => new(
        Shared, Users, new BackendOAuthHttp(new HttpClient(_endpoint)), _time, NullLogger<BackendTokenSource>.Instance, new BackendRefreshLock(_db.Factory));

    private async Task StoreAsync(ConnectionOwner owner, BackendTokenSet tokens) =>
        (await Users.UpdateAsync(Vault, owner, c => c with { Tokens = tokens, ConnectedAt = tokens.IssuedAt }, Ct)).ShouldBeTrue();

    private BackendTokenSet Expired(string access, string refresh) => VaultBackend.Expired(_time, access, refresh);

    private BackendTokenSet Valid(string access, string refresh) => VaultBackend.Valid(_time, access, refresh);
}
