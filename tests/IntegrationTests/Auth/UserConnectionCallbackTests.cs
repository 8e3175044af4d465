using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Users;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// The gateway's OAuth callback (<c>/oauth/callback/{name}</c>) for a per-user backend, in the signed-in user's
/// browser: it completes that user's own connection and sends them to "My connections"; the same answer in another
/// user's browser is refused there and changes nothing.
/// </summary>
public sealed class UserConnectionCallbackTests : IAsyncLifetime
{
    private const string Password = "a long enough password for tests";
    private static readonly ServerName Vault = ServerName.From("vault");
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly RecordingInstances _instances = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private HttpTestServer _backend = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await HttpTestServer.StartAsync("vault", extraArgs: ["--require-oauth"]);
        _owned.Add(_backend);
        var vault = ConfigBuilder.HttpServer(_backend.McpUrl, ["secure"]);
        vault["credentials"] = "perUser";

        // The running instances are recorded rather than started: these tests are about the callback and the store.
        _gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder().Add("vault", vault), configureBuilder: builder => builder.Services.AddSingleton<IPerUserBackends>(_instances));
        _owned.Add(_gateway);
        await _gateway.AddUserAsync("alice", Password);
        await _gateway.AddUserAsync("bob", Password);
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    [Fact]
    public async Task Callback_InTheUsersBrowser_ConnectsThemAsTheirAccount_AndSendsThemToMyConnections()
    {
        var alice = await OwnerAsync("alice");
        using var browser = await DashboardClient.SignInAsync(_gateway.BaseUrl, "alice", Password);
        var consent = await TestBackendConsent.DecideAsync(await BeginAsync(alice), allow: true, account: "alice-at-vault");

        using var callback = await browser.GetAsync(consent.Redirect.Location);

        callback.StatusCode.ShouldBe(HttpStatusCode.Found);
        callback.Headers.Location!.OriginalString.ShouldBe("/oauth?connected=vault#connections");
        (await SubjectAtBackendAsync(alice)).ShouldBe("alice-at-vault");
        _instances.Released.ShouldBe([$"vault/{alice}"]);
        (await _gateway.Services.GetRequiredService<IUserConnectionStore>().ListAsync(Vault, null, Ct)).ShouldHaveSingleItem().Owner.ShouldBe(alice);
    }

    [Fact]
    public async Task Callback_InAnotherUsersBrowser_IsRefusedThere_AndChangesNothing()
    {
        var alice = await OwnerAsync("alice");
        using var bobsBrowser = await DashboardClient.SignInAsync(_gateway.BaseUrl, "bob", Password);
        var consent = await TestBackendConsent.DecideAsync(await BeginAsync(alice), allow: true, account: "alice-at-vault");
        var store = _gateway.Services.GetRequiredService<UserConnectionStore>();
        var before = (await store.LoadAsync(Vault, alice, Ct)).Stored;

        using var callback = await bobsBrowser.GetAsync(consent.Redirect.Location);

        callback.StatusCode.ShouldBe(HttpStatusCode.Found);
        var location = callback.Headers.Location!.OriginalString;
        location.ShouldStartWith("/oauth?");
        location.ShouldEndWith("#connections");
        var query = QueryHelpers.ParseQuery(new Uri(new Uri("http://x"), location).Query);
        query["error"].ToString().ShouldBe("invalid_state");
        query["backend"].ToString().ShouldBe("vault");
        (await store.LoadAsync(Vault, alice, Ct)).Stored.ShouldBe(before);
        (await store.ListAsync(Vault, null, Ct)).ShouldBeEmpty();
        _instances.Released.ShouldBeEmpty();
    }

    private async Task<ConnectionOwner> OwnerAsync(string userName) =>
        ConnectionOwner.Of((await _gateway.Services.GetRequiredService<IUserRepository>().FindByNameAsync(userName, Ct))!.Id);

    // What "Connect" in My connections starts: the user's own flow, answered at the gateway's callback.
    private async Task<Uri> BeginAsync(ConnectionOwner owner)
    {
        var vault = (await _gateway.Services.GetRequiredService<IBackendServiceRepository>().FindByNameAsync(Vault, Ct))!.Settings;
        return await _gateway.Services.GetRequiredService<IUserBackendOAuth>().BeginAsync(vault, owner, _gateway.Url("/oauth/callback/vault"), Ct);
    }

    // What the per-user runtime sends: the owner's token from the token source, on an MCP call straight to the backend.
    private async Task<string> SubjectAtBackendAsync(ConnectionOwner owner) => await TestBackendConsent.SubjectOfAsync(
        new Uri(_backend.McpUrl),
        await _gateway.Services.GetRequiredService<BackendTokenSource>().GetAccessTokenAsync(Vault, owner, Ct) ?? throw new ShouldAssertException($"{owner} has no token"));

    private sealed class RecordingInstances : IPerUserBackends
    {
        private readonly List<string> _released = [];

        public IReadOnlyList<string> Released
        {
            get
            {
                lock (_released)
                {
                    return [.. _released];
                }
            }
        }

        public ValueTask<IBackendConnection> ForOwnerAsync(IBackendConnection backend, ConnectionOwner owner, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("No call reaches a per-user instance in these tests.");

        public IBackendConnection? Running(IBackendConnection backend, ConnectionOwner owner) => null;

        public IReadOnlyCollection<ConnectionOwner> OwnersRunning() => [];

        public Task ReleaseAsync(ServerName? backend, ConnectionOwner owner, CancellationToken cancellationToken)
        {
            lock (_released)
            {
                _released.Add(UserConnectionChanges.NameOf(backend, owner));
            }

            return Task.CompletedTask;
        }
    }
}
