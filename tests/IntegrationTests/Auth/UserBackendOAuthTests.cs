using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Persistence.Repositories;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Each user's own OAuth connection to a per-user backend (ADR 0033), against the test server with
/// <c>--require-oauth</c>: alice and bob each authorize as their own account at the backend, and the token the
/// gateway holds for each reaches the backend as that account (<c>token_subject</c>); carol has none; a state that is
/// someone else's or used already is refused and changes nothing; <c>"approval": "admin"</c> keeps the tokens waiting
/// until an administrator approves them; a user's tokens are renewed for that user; nothing is readable at rest.
/// </summary>
public sealed class UserBackendOAuthTests(SqliteDatabaseFixture fixture) : IClassFixture<SqliteDatabaseFixture>, IAsyncLifetime
{
    private static readonly ServerName Vault = ServerName.From("vault");
    private static readonly ConnectionOwner Alice = new("0b7c1c52-0000-4000-8000-00000000000a");
    private static readonly ConnectionOwner Bob = new("0b7c1c52-0000-4000-8000-00000000000b");
    private static readonly ConnectionOwner Carol = new("0b7c1c52-0000-4000-8000-00000000000c");
    private static readonly Uri Callback = new("http://127.0.0.1:9/oauth/callback/vault");
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly IDataProtectionProvider _keys = new EphemeralDataProtectionProvider();
    private readonly List<IAsyncDisposable> _owned = [];
    private TestDatabase _db = null!;
    private HttpTestServer _backend = null!;
    private BackendServiceRepository _definitions = null!;
    private UserConnectionStore _connections = null!;
    private BackendTokenSource _tokens = null!;
    private UserBackendOAuth _oauth = null!;
    private BackendCredentialStore _shared = null!;

    public async Task InitializeAsync()
    {
        _db = await fixture.GetAsync();
        await _db.ResetAsync();
        _backend = await HttpTestServer.StartAsync("vault", extraArgs: ["--require-oauth"]);
        _owned.Add(_backend);
        _definitions = new BackendServiceRepository(_db.Factory, _keys);
        _connections = new UserConnectionStore(_db.Factory, _keys, _time);
        var shared = _shared = new BackendCredentialStore(_db.Factory, _keys, _time);
        var http = new BackendOAuthHttp(new HttpClient());
        _tokens = new BackendTokenSource(shared, _connections, http, _time, NullLogger<BackendTokenSource>.Instance, new BackendRefreshLock(_db.Factory));
        _oauth = new UserBackendOAuth(_connections, new BackendOAuthFlow(shared, http, _time), shared, _tokens, _definitions, NullLogger<UserBackendOAuth>.Instance);
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    [Fact]
    public async Task EachUser_ConnectsAsTheirOwnAccount_AndTheirTokenReachesTheBackendAsThem()
    {
        var vault = await RegisterAsync(ConnectionApproval.Self);

        var aliceOutcome = await ConnectAsync(vault, Alice, "alice");
        var bobOutcome = await ConnectAsync(vault, Bob, "bob");

        aliceOutcome.ShouldBe(UserConnectionOutcome.Connected);
        bobOutcome.ShouldBe(UserConnectionOutcome.Connected);
        (await SubjectAtBackendAsync(Alice)).ShouldBe("alice");
        (await SubjectAtBackendAsync(Bob)).ShouldBe("bob");
        (await _tokens.GetAccessTokenAsync(Vault, Carol, Ct)).ShouldBeNull();
        (await _tokens.GetAccessTokenAsync(Vault, null, Ct)).ShouldBeNull("the backend's shared credentials stay empty");
        var listed = await _connections.ListAsync(Vault, null, Ct);
        listed.Select(c => c.Owner).ShouldBe([Alice, Bob]);
        listed.ShouldAllBe(c => c.HasOAuthTokens && !c.AwaitingApproval);
    }

    [Fact]
    public async Task AStateOfAnotherUser_OrUsedAlready_IsRefusedAndChangesNothing()
    {
        var vault = await RegisterAsync(ConnectionApproval.Self);
        var consent = await TestBackendConsent.DecideAsync(await _oauth.BeginAsync(vault, Alice, Callback, Ct), allow: true, account: "alice");
        var state = consent.Redirect.State!;
        var code = consent.Redirect.Code!;
        var aliceBefore = (await _connections.LoadAsync(Vault, Alice, Ct)).Stored;

        var foreign = await Should.ThrowAsync<BackendOAuthException>(() => _oauth.CompleteAsync(Vault, Bob, state, code, Ct));
        var forged = await Should.ThrowAsync<BackendOAuthException>(() => _oauth.CompleteAsync(Vault, Alice, "forged-state", code, Ct));
        var aliceAfterRefusals = (await _connections.LoadAsync(Vault, Alice, Ct)).Stored;
        var first = await _oauth.CompleteAsync(Vault, Alice, state, code, Ct);
        var replay = await Should.ThrowAsync<BackendOAuthException>(() => _oauth.CompleteAsync(Vault, Alice, state, code, Ct));

        foreign.Code.ShouldBe(BackendOAuthException.InvalidState);
        forged.Code.ShouldBe(BackendOAuthException.InvalidState);
        replay.Code.ShouldBe(BackendOAuthException.InvalidState);
        aliceAfterRefusals.ShouldBe(aliceBefore);
        (await _connections.ListAsync(null, Bob, Ct)).ShouldBeEmpty();
        first.ShouldBe(UserConnectionOutcome.Connected);
        (await SubjectAtBackendAsync(Alice)).ShouldBe("alice");
    }

    [Fact]
    public async Task ACodeIsRedeemedWithTheClientItsPageWasOpenedFor_WhenAnotherUsersFlowRegisteredAnotherMeanwhile()
    {
        var vault = await RegisterAsync(ConnectionApproval.Self);
        var consent = await TestBackendConsent.DecideAsync(await _oauth.BeginAsync(vault, Alice, Callback, Ct), allow: true, account: "alice");

        // Bob started at the same moment on a backend with no registration yet: his flow registered a client of its
        // own, kept as the backend's after alice's.
        await _shared.UpdateAsync(Vault, c => c with { Client = c.Client! with { ClientId = "bobs-registration" } }, Ct);
        var outcome = await _oauth.CompleteAsync(Vault, Alice, consent.Redirect.State!, consent.Redirect.Code!, Ct);

        outcome.ShouldBe(UserConnectionOutcome.Connected);
        (await SubjectAtBackendAsync(Alice)).ShouldBe("alice");
    }

    [Fact]
    public async Task Abandon_WithTheUsersState_EndsTheFlow_AndAnotherUsersAbandonChangesNothing()
    {
        var vault = await RegisterAsync(ConnectionApproval.Self);
        var consent = await TestBackendConsent.DecideAsync(await _oauth.BeginAsync(vault, Alice, Callback, Ct), allow: false);
        var state = consent.Redirect.State!;

        await Should.ThrowAsync<BackendOAuthException>(() => _oauth.AbandonAsync(Vault, Bob, state, Ct));
        var stillPending = (await _connections.LoadAsync(Vault, Alice, Ct)).Connection.Pending;
        await _oauth.AbandonAsync(Vault, Alice, state, Ct);

        consent.Redirect.Error.ShouldBe("access_denied");
        stillPending.ShouldNotBeNull();
        (await _connections.LoadAsync(Vault, Alice, Ct)).Stored.ShouldBeNull("an abandoned flow leaves nothing behind");
    }

    [Fact]
    public async Task ApprovalByAdmin_KeepsTheTokensWaiting_UntilApproved()
    {
        var vault = await RegisterAsync(ConnectionApproval.Admin);

        var outcome = await ConnectAsync(vault, Alice, "alice");
        var waiting = (await _connections.ListAsync(Vault, Alice, Ct)).ShouldHaveSingleItem();
        var tokenBefore = await _tokens.GetAccessTokenAsync(Vault, Alice, Ct);
        var bobApproved = await _oauth.ApproveAsync(Vault, Bob, Ct);
        var approved = await _oauth.ApproveAsync(Vault, Alice, Ct);
        var approvedAgain = await _oauth.ApproveAsync(Vault, Alice, Ct);

        outcome.ShouldBe(UserConnectionOutcome.AwaitingApproval);
        waiting.AwaitingApproval.ShouldBeTrue();
        waiting.HasOAuthTokens.ShouldBeFalse();
        tokenBefore.ShouldBeNull();
        bobApproved.ShouldBeFalse();
        approved.ShouldBeTrue();
        approvedAgain.ShouldBeFalse();
        (await SubjectAtBackendAsync(Alice)).ShouldBe("alice");
        var connected = (await _connections.ListAsync(Vault, Alice, Ct)).ShouldHaveSingleItem();
        connected.HasOAuthTokens.ShouldBeTrue();
        connected.AwaitingApproval.ShouldBeFalse();
    }

    [Fact]
    public async Task Begin_WhenOtherWritersWinEveryTry_FailsWithAConflict_NotAsABackendThatIsGone()
    {
        var vault = await RegisterAsync(ConnectionApproval.Self);
        await using var _ = await OtherWritersWinAsync();

        var conflict = await Should.ThrowAsync<ConcurrencyConflictException>(() => _oauth.BeginAsync(vault, Alice, Callback, Ct));

        conflict.Message.ShouldContain("'vault'");
        conflict.Message.ShouldContain("try again");
    }

    [Fact]
    public async Task Complete_WhenTheTokensLoseEveryTry_FailsWithAConflict_NotAsABackendThatIsGone()
    {
        var vault = await RegisterAsync(ConnectionApproval.Self);
        var consent = await TestBackendConsent.DecideAsync(await _oauth.BeginAsync(vault, Alice, Callback, Ct), allow: true, account: "alice");
        await using var _ = await OtherWritersWinAsync();

        await Should.ThrowAsync<ConcurrencyConflictException>(() => _oauth.CompleteAsync(Vault, Alice, consent.Redirect.State!, consent.Redirect.Code!, Ct));

        (await _tokens.GetAccessTokenAsync(Vault, Alice, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Approve_WhenOtherWritersWinEveryTry_FailsWithAConflict_AndTheTokensStillWaitForTheNextApproval()
    {
        var vault = await RegisterAsync(ConnectionApproval.Admin);
        await ConnectAsync(vault, Alice, "alice");

        await using (await OtherWritersWinAsync())
        {
            await Should.ThrowAsync<ConcurrencyConflictException>(() => _oauth.ApproveAsync(Vault, Alice, Ct));
        }

        (await _connections.ListAsync(Vault, Alice, Ct)).ShouldHaveSingleItem().AwaitingApproval.ShouldBeTrue();
        (await _oauth.ApproveAsync(Vault, Alice, Ct)).ShouldBeTrue();
        (await SubjectAtBackendAsync(Alice)).ShouldBe("alice");
    }

    [Fact]
    public async Task AnExpiredUserToken_IsRenewedForThatUser_AndStillReachesTheBackendAsThem()
    {
        var vault = await RegisterAsync(ConnectionApproval.Self);
        await ConnectAsync(vault, Alice, "alice");
        await ConnectAsync(vault, Bob, "bob");
        var aliceFirst = await _tokens.GetAccessTokenAsync(Vault, Alice, Ct);
        var bobStored = (await _connections.LoadAsync(Vault, Bob, Ct)).Stored;

        _time.Advance(TimeSpan.FromHours(2));
        var aliceRenewed = await _tokens.GetAccessTokenAsync(Vault, Alice, Ct);

        aliceRenewed.ShouldNotBeNull().ShouldNotBe(aliceFirst);
        (await _connections.LoadAsync(Vault, Alice, Ct)).Connection.Tokens!.AccessToken.ShouldBe(aliceRenewed);
        (await _connections.LoadAsync(Vault, Bob, Ct)).Stored.ShouldBe(bobStored, "alice's renewal leaves bob's row alone");
        (await SubjectAtBackendAsync(Alice)).ShouldBe("alice");
    }

    [Fact]
    public async Task UserTokens_AreNotInClearInTheSqliteFile()
    {
        var vault = await RegisterAsync(ConnectionApproval.Self);
        await ConnectAsync(vault, Alice, "alice");
        var (stored, _) = await _connections.LoadAsync(Vault, Alice, Ct);
        var access = stored.Tokens!.AccessToken;
        var refresh = stored.Tokens.RefreshToken!;

        var path = _db.Options.SqliteDatabasePath;
        foreach (var file in new[] { path, path + "-wal" }.Where(File.Exists))
        {
            var bytes = await ReadSharedAsync(file);
            Contains(bytes, access).ShouldBeFalse($"the access token in clear in {Path.GetFileName(file)}");
            Contains(bytes, refresh).ShouldBeFalse($"the refresh token in clear in {Path.GetFileName(file)}");
        }
    }

    private async Task<BackendSettings> RegisterAsync(ConnectionApproval approval)
    {
        var settings = new StreamableHttpBackendSettings
        {
            Name = Vault,
            Url = new Uri(_backend.McpUrl),
            Credentials = BackendCredentialMode.PerUser,
            Approval = approval,
        };
        await _definitions.AddAsync(BackendService.Register(settings, BackendOrigin.Api, _time.GetUtcNow()), Ct);
        return settings;
    }

    // Every write to a user's row is taken by someone else first, as seen by the compare-and-swap: each insert and update
    // changes no row (as when another writer changed it between the read and the swap), until disposed.
    private async Task<IAsyncDisposable> OtherWritersWinAsync()
    {
        await _db.ExecuteAsync("CREATE TRIGGER other_writers_insert BEFORE INSERT ON user_connections BEGIN SELECT RAISE(IGNORE); END");
        await _db.ExecuteAsync("CREATE TRIGGER other_writers_update BEFORE UPDATE ON user_connections BEGIN SELECT RAISE(IGNORE); END");
        var removal = new Removal(async () =>
        {
            await _db.ExecuteAsync("DROP TRIGGER IF EXISTS other_writers_insert");
            await _db.ExecuteAsync("DROP TRIGGER IF EXISTS other_writers_update");
        });
        _owned.Add(removal);
        return removal;
    }

    private sealed class Removal(Func<Task> remove) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await remove();
    }

    // Begin → the backend's consent page as that account → the answer's code and state → Complete.
    private async Task<UserConnectionOutcome> ConnectAsync(BackendSettings vault, ConnectionOwner owner, string account)
    {
        var consent = await TestBackendConsent.DecideAsync(await _oauth.BeginAsync(vault, owner, Callback, Ct), allow: true, account);
        return await _oauth.CompleteAsync(Vault, owner, consent.Redirect.State!, consent.Redirect.Code!, Ct);
    }

    // What the per-user runtime sends: the owner's token from the token source, on an MCP call straight to the backend.
    private async Task<string> SubjectAtBackendAsync(ConnectionOwner owner) => await TestBackendConsent.SubjectOfAsync(
        new Uri(_backend.McpUrl),
        await _tokens.GetAccessTokenAsync(Vault, owner, Ct) ?? throw new ShouldAssertException($"{owner} has no token"));

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;
}
