using System.Text;
using Microsoft.AspNetCore.DataProtection;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>Each user's encrypted connection to a per-user backend: values for the runtime only, names and dates for listings, nothing readable at rest.</summary>
public abstract class UserConnectionStoreContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private static readonly ServerName Github = ServerName.From("github");
    private static readonly ServerName Jira = ServerName.From("jira");
    private static readonly ConnectionOwner Alice = new("3f2a6c1e-0000-4000-8000-00000000000a");
    private static readonly ConnectionOwner Bob = new("3f2a6c1e-0000-4000-8000-00000000000b");

    private static readonly BackendOAuthClientRegistration Client = new(
        "https://as.example.com", new Uri("https://as.example.com/authorize"), new Uri("https://as.example.com/token"),
        new Uri("https://gateway.example.com/oauth/callback/github"), "client-1", null, "https://github.example.com/mcp", Registered: true);

    private readonly ManualTimeProvider _time = new(T0);
    private readonly IDataProtectionProvider _protection = new EphemeralDataProtectionProvider();

    private UserConnectionStore Store => new(Factory, _protection, _time);

    [Fact]
    public async Task SetSecrets_ThenGet_RoundTripsTheValues()
    {
        await AddBackendAsync(Github);

        await Store.SetSecretsAsync(Github, Alice, new Dictionary<string, string> { ["GITHUB_TOKEN"] = "ghp-" + NonAscii, ["ORG"] = "acme" }, "https://api.github.com", Ct);

        var secrets = await Store.GetSecretsAsync(Github, Alice, Ct);
        secrets.Count.ShouldBe(2);
        secrets["GITHUB_TOKEN"].ShouldBe(new UserSecretValue("ghp-" + NonAscii, "https://api.github.com"));
        secrets["ORG"].ShouldBe(new UserSecretValue("acme", "https://api.github.com"));
        (await Store.ListAsync(Github, Alice, Ct)).ShouldHaveSingleItem().Secrets.ShouldAllBe(s => s.SetFor == "https://api.github.com");
        (await Store.GetSecretsAsync(Github, Bob, Ct)).ShouldBeEmpty();
        (await Db.CountAsync("user_connections")).ShouldBe(1);
    }

    [Fact]
    public async Task SetSecrets_Twice_MergesAndKeepsTheOthersWithTheirTimes()
    {
        await AddBackendAsync(Github);
        await Store.SetSecretsAsync(Github, Alice, new Dictionary<string, string> { ["A"] = "first-a", ["B"] = "first-b" }, setFor: null, Ct);
        _time.Now = T0.AddMinutes(5);

        await Store.SetSecretsAsync(Github, Alice, new Dictionary<string, string> { ["B"] = "second-b", ["C"] = "second-c" }, setFor: null, Ct);

        var secrets = await Store.GetSecretsAsync(Github, Alice, Ct);
        secrets.ToDictionary(s => s.Key, s => s.Value.Value).ShouldBe(new Dictionary<string, string> { ["A"] = "first-a", ["B"] = "second-b", ["C"] = "second-c" }, ignoreOrder: true);
        var summary = (await Store.ListAsync(Github, Alice, Ct)).ShouldHaveSingleItem();
        summary.Secrets.Select(s => (s.Name, s.SetAt)).ShouldBe([("A", Stored(T0)), ("B", Stored(T0.AddMinutes(5))), ("C", Stored(T0.AddMinutes(5)))]);
        ShouldBeStored(summary.CreatedAt, T0);
        ShouldBeStored(summary.UpdatedAt, T0.AddMinutes(5));
    }

    [Fact]
    public async Task List_HasNamesAndDatesOnly_FilteredAndOrderedByBackendThenOwner()
    {
        await AddBackendAsync(Github);
        await AddBackendAsync(Jira);
        await Store.SetSecretsAsync(Jira, Bob, new Dictionary<string, string> { ["JIRA_KEY"] = "jira-secret-value" }, setFor: null, Ct);
        await Store.SetSecretsAsync(Github, Bob, new Dictionary<string, string> { ["GITHUB_TOKEN"] = "bob-secret-value" }, setFor: null, Ct);
        await Store.SetSecretsAsync(Github, Alice, new Dictionary<string, string> { ["GITHUB_TOKEN"] = "alice-secret-value" }, setFor: null, Ct);
        await Store.UpdateAsync(Jira, Alice, c => c with { Tokens = Tokens("alice-access-token"), ConnectedAt = T0 }, Ct);

        var all = await Store.ListAsync(null, null, Ct);

        all.Select(s => (s.Backend.Value, s.Owner.Key)).ShouldBe([("github", Alice.Key), ("github", Bob.Key), ("jira", Alice.Key), ("jira", Bob.Key)]);
        all.SelectMany(s => s.Secrets).Select(s => s.Name).ShouldBe(["GITHUB_TOKEN", "GITHUB_TOKEN", "JIRA_KEY"]);
        var oauth = all[2];
        oauth.HasOAuthTokens.ShouldBeTrue();
        oauth.OAuthConnectedAt.ShouldBe(T0);
        oauth.AwaitingApproval.ShouldBeFalse();
        all[0].HasOAuthTokens.ShouldBeFalse();
        var printed = string.Join('\n', all.Select(s => s + string.Join(',', s.Secrets)));
        printed.ShouldNotContain("secret-value");
        printed.ShouldNotContain("alice-access-token");
        (await Store.ListAsync(Github, null, Ct)).Select(s => s.Owner).ShouldBe([Alice, Bob]);
        (await Store.ListAsync(null, Bob, Ct)).Select(s => s.Backend).ShouldBe([Github, Jira]);
        (await Store.ListAsync(Jira, Alice, Ct)).ShouldHaveSingleItem().Secrets.ShouldBeEmpty();
    }

    [Fact]
    public async Task List_TokensAwaitingApproval_AreNotConnected()
    {
        await AddBackendAsync(Github);

        await Store.UpdateAsync(Github, Alice, c => c with { TokensAwaitingApproval = Tokens("waiting-token") }, Ct);

        var summary = (await Store.ListAsync(null, null, Ct)).ShouldHaveSingleItem();
        summary.AwaitingApproval.ShouldBeTrue();
        summary.HasOAuthTokens.ShouldBeFalse();
    }

    [Fact]
    public async Task List_LeavesOutAnAuthorizationNotFinishedYet()
    {
        await AddBackendAsync(Github);
        await SetAsync(Github, Bob);

        await Store.UpdateAsync(Github, Alice, c => c with { Pending = new PendingBackendFlow(Alice.Key, "hash-of-state", "verifier", T0) }, Ct);

        (await Store.ListAsync(null, null, Ct)).Select(s => s.Owner).ShouldBe([Bob]);
        (await Db.CountAsync("user_connections")).ShouldBe(2);
    }

    [Fact]
    public async Task Delete_RemovesOnlyThatOwnersConnectionToThatBackend()
    {
        await AddBackendAsync(Github);
        await AddBackendAsync(Jira);
        await SetAsync(Github, Alice);
        await SetAsync(Jira, Alice);
        await SetAsync(Github, Bob);

        (await Store.DeleteAsync(Github, Alice, Ct)).ShouldBeTrue();
        (await Store.DeleteAsync(Github, Alice, Ct)).ShouldBeFalse();

        (await Store.ListAsync(null, null, Ct)).Select(s => (s.Backend, s.Owner)).ShouldBe([(Github, Bob), (Jira, Alice)]);
        (await Store.GetSecretsAsync(Github, Alice, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task DeleteForOwner_RemovesEveryConnectionOfTheOwnerOnly()
    {
        await AddBackendAsync(Github);
        await AddBackendAsync(Jira);
        await SetAsync(Github, Alice);
        await SetAsync(Jira, Alice);
        await SetAsync(Github, Bob);

        (await Store.DeleteForOwnerAsync(Alice, Ct)).ShouldBe(2);

        (await Store.ListAsync(null, null, Ct)).Select(s => (s.Backend, s.Owner)).ShouldBe([(Github, Bob)]);
        (await Store.DeleteForOwnerAsync(Alice, Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task RemovingTheBackend_DeletesItsConnections()
    {
        var github = await AddBackendAsync(Github);
        await AddBackendAsync(Jira);
        await SetAsync(Github, Alice);
        await SetAsync(Jira, Alice);

        (await new BackendServiceRepository(Factory, _protection).RemoveAsync(github.Id, Ct)).ShouldBeTrue();

        (await Store.ListAsync(null, null, Ct)).Select(s => s.Backend).ShouldBe([Jira]);
        (await Db.CountAsync("user_connections")).ShouldBe(1);
    }

    [Fact]
    public async Task SetSecrets_ForAnUnknownBackend_IsNotFoundAndStoresNothing()
    {
        await Should.ThrowAsync<Application.Common.Exceptions.NotFoundException>(() => SetAsync(Github, Alice));

        (await Db.CountAsync("user_connections")).ShouldBe(0);
    }

    [Fact]
    public async Task Replace_WithAStaleCopy_IsRefusedAndKeepsTheNewerOne()
    {
        await AddBackendAsync(Github);
        var store = Store;
        (await store.TryReplaceAsync(Github, Alice, null, new UserConnection { Tokens = Tokens("first") }, Ct)).ShouldBeTrue();
        var (_, first) = await store.LoadAsync(Github, Alice, Ct);
        (await store.TryReplaceAsync(Github, Alice, first, new UserConnection { Tokens = Tokens("winner") }, Ct)).ShouldBeTrue();

        var lost = await store.TryReplaceAsync(Github, Alice, first, new UserConnection { Tokens = Tokens("loser") }, Ct);
        var insertedTwice = await store.TryReplaceAsync(Github, Alice, null, new UserConnection { Tokens = Tokens("second insert") }, Ct);
        var bobsOwn = await store.TryReplaceAsync(Github, Bob, null, new UserConnection { Tokens = Tokens("bob") }, Ct);

        lost.ShouldBeFalse();
        insertedTwice.ShouldBeFalse();
        bobsOwn.ShouldBeTrue();
        (await store.LoadAsync(Github, Alice, Ct)).Connection.Tokens!.AccessToken.ShouldBe("winner");
        (await store.LoadAsync(Github, Bob, Ct)).Connection.Tokens!.AccessToken.ShouldBe("bob");
    }

    [Fact]
    public async Task Replace_OfNothingWithNothing_NeverDeletesWhatAnotherWriterStoredMeanwhile()
    {
        await AddBackendAsync(Github);
        var store = Store;
        var (_, read) = await store.LoadAsync(Github, Alice, Ct);
        read.ShouldBeNull();

        // Meanwhile the OAuth callback stores Alice's tokens; then the first writer's change leaves nothing.
        (await store.TryReplaceAsync(Github, Alice, null, new UserConnection { Tokens = Tokens("stored meanwhile") }, Ct)).ShouldBeTrue();
        var stale = await store.TryReplaceAsync(Github, Alice, read, new UserConnection(), Ct);

        stale.ShouldBeFalse();
        (await store.LoadAsync(Github, Alice, Ct)).Connection.Tokens!.AccessToken.ShouldBe("stored meanwhile");
        (await store.TryReplaceAsync(Github, Bob, null, new UserConnection(), Ct)).ShouldBeTrue();
        (await Db.CountAsync("user_connections")).ShouldBe(1);
    }

    [Fact]
    public async Task Update_ToAnEmptyConnection_DeletesTheRow()
    {
        await AddBackendAsync(Github);
        await Store.UpdateAsync(Github, Alice, c => c with { Tokens = Tokens("access") }, Ct);

        (await Store.UpdateAsync(Github, Alice, c => c with { Tokens = null }, Ct)).ShouldBeTrue();

        (await Db.CountAsync("user_connections")).ShouldBe(0);
    }

    [Fact]
    public async Task StoredBytes_ContainNoSecretValueAndNoToken()
    {
        await AddBackendAsync(Github);
        await Store.SetSecretsAsync(Github, Alice, new Dictionary<string, string> { ["GITHUB_TOKEN"] = "ghp_CanaryUserSecret0123" }, setFor: null, Ct);
        await Store.UpdateAsync(Github, Alice, c => c with
        {
            Tokens = Tokens("CanaryAccessToken0123") with { RefreshToken = "CanaryRefreshToken0123" },
            TokensAwaitingApproval = Tokens("CanaryWaitingToken0123"),
        }, Ct);
        (await Store.GetSecretsAsync(Github, Alice, Ct))["GITHUB_TOKEN"].Value.ShouldBe("ghp_CanaryUserSecret0123");

        var raw = (await Store.LoadAsync(Github, Alice, Ct)).Stored!;
        var files = Db.Dialect == SqlDialect.Sqlite ? SqliteFiles() : [];

        foreach (var bytes in files.Prepend(raw))
        {
            var text = Encoding.UTF8.GetString(bytes);
            text.ShouldNotContain("Canary");
            text.ShouldNotContain("GITHUB_TOKEN");
        }
    }

    private byte[][] SqliteFiles()
    {
        var path = Db.Options.SqliteDatabasePath;
        var files = new[] { path, path + "-wal" }.Where(File.Exists).Select(ReadShared).ToArray();
        files.ShouldNotBeEmpty();
        return files;
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static BackendTokenSet Tokens(string access) => new(access, "refresh-" + access, T0, T0.AddHours(1), ["repo"], Client);

    private Task SetAsync(ServerName backend, ConnectionOwner owner) =>
        Store.SetSecretsAsync(backend, owner, new Dictionary<string, string> { ["KEY"] = "value-of-" + owner.Key }, setFor: null, Ct);

    private async Task<BackendService> AddBackendAsync(ServerName name)
    {
        var backend = BackendService.Register(
            new StreamableHttpBackendSettings { Name = name, Url = new Uri($"https://{name}.example.com/mcp"), Credentials = BackendCredentialMode.PerUser },
            BackendOrigin.Api, T0);
        await new BackendServiceRepository(Factory, _protection).AddAsync(backend, Ct);
        return backend;
    }
}
