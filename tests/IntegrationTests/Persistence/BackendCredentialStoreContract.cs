using Microsoft.AspNetCore.DataProtection;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>A backend's encrypted OAuth credentials: round trip, compare-and-swap, deletion, and nothing readable at rest.</summary>
public abstract class BackendCredentialStoreContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private static readonly ServerName Vault = ServerName.From("vault");

    private static readonly BackendOAuthClientRegistration Client = new(
        "https://as.example.com", new Uri("https://as.example.com/authorize"), new Uri("https://as.example.com/token"),
        new Uri("https://gateway.example.com/oauth/callback/vault"), "client-1", "client-secret-" + NonAscii, "https://vault.example.com/mcp", Registered: true);

    private BackendCredentialStore Store => new(Factory, new EphemeralDataProtectionProvider(), TimeProvider.System);

    [Fact]
    public async Task Load_WhenNothingIsStored_IsEmpty()
    {
        await AddBackendAsync();

        var (credentials, stored) = await Store.LoadAsync(Vault, Ct);

        credentials.IsEmpty.ShouldBeTrue();
        stored.ShouldBeNull();
    }

    [Fact]
    public async Task Replace_ThenLoad_RoundTripsTheCredentials_EncryptedInTheTable()
    {
        await AddBackendAsync();
        var store = Store;
        var tokens = new BackendTokenSet("access-" + NonAscii, "refresh-token-value", T0, T0.AddHours(1), ["mcp:read"], Client);

        (await store.TryReplaceAsync(Vault, null, new BackendCredentials { Client = Client, Tokens = tokens }, Ct)).ShouldBeTrue();
        var (loaded, raw) = await store.LoadAsync(Vault, Ct);

        loaded.Tokens!.AccessToken.ShouldBe("access-" + NonAscii);
        loaded.Tokens.RefreshToken.ShouldBe("refresh-token-value");
        loaded.Client!.ClientSecret.ShouldBe("client-secret-" + NonAscii);
        System.Text.Encoding.UTF8.GetString(raw!).ShouldNotContain("refresh-token-value");
        (await Db.CountAsync("backend_credentials")).ShouldBe(1);
    }

    [Fact]
    public async Task Replace_WithAStaleCopy_IsRefusedAndKeepsTheNewerOne()
    {
        await AddBackendAsync();
        var store = Store;
        await store.TryReplaceAsync(Vault, null, new BackendCredentials { Client = Client }, Ct);
        var (_, first) = await store.LoadAsync(Vault, Ct);
        (await store.TryReplaceAsync(Vault, first, new BackendCredentials { Client = Client with { ClientId = "winner" } }, Ct)).ShouldBeTrue();

        var lost = await store.TryReplaceAsync(Vault, first, new BackendCredentials { Client = Client with { ClientId = "loser" } }, Ct);
        var insertedTwice = await store.TryReplaceAsync(Vault, null, new BackendCredentials { Client = Client with { ClientId = "second insert" } }, Ct);

        lost.ShouldBeFalse();
        insertedTwice.ShouldBeFalse();
        (await store.LoadAsync(Vault, Ct)).Credentials.Client!.ClientId.ShouldBe("winner");
    }

    [Fact]
    public async Task Update_ToEmptyCredentials_DeletesTheRow()
    {
        await AddBackendAsync();
        var store = Store;
        await store.TryReplaceAsync(Vault, null, new BackendCredentials { Client = Client }, Ct);

        await store.UpdateAsync(Vault, _ => new BackendCredentials(), Ct);

        (await Db.CountAsync("backend_credentials")).ShouldBe(0);
    }

    [Fact]
    public async Task Update_WhenOtherWritersWinEveryTry_FailsWithAConflict_AndTheirChangeStays()
    {
        await AddBackendAsync();
        var store = Store;
        var tries = 0;

        // Another replica saves between each read and its swap: the update never gets through.
        var conflict = await Should.ThrowAsync<ConcurrencyConflictException>(() => store.UpdateAsync(Vault, current =>
        {
            tries++;
            var (_, stored) = store.LoadAsync(Vault, Ct).GetAwaiter().GetResult();
            store.TryReplaceAsync(Vault, stored, new BackendCredentials { Client = Client with { ClientId = "other-" + tries } }, Ct).GetAwaiter().GetResult()
                .ShouldBeTrue();
            return current with { Client = Client with { ClientId = "mine" } };
        }, Ct));

        tries.ShouldBe(5);
        conflict.Message.ShouldContain("'vault'");
        conflict.Message.ShouldContain("try again");
        (await store.LoadAsync(Vault, Ct)).Credentials.Client!.ClientId.ShouldBe("other-5");
    }

    [Fact]
    public async Task Update_ForAnUnknownBackend_IsNotFound_AndStoresNothing()
    {
        await Should.ThrowAsync<NotFoundException>(() => Store.UpdateAsync(Vault, _ => new BackendCredentials { Client = Client }, Ct));

        (await Db.CountAsync("backend_credentials")).ShouldBe(0);
    }

    [Fact]
    public async Task Replace_ForAnUnknownBackend_StoresNothing()
    {
        (await Store.TryReplaceAsync(Vault, null, new BackendCredentials { Client = Client }, Ct)).ShouldBeFalse();

        (await Db.CountAsync("backend_credentials")).ShouldBe(0);
    }

    private Task AddBackendAsync() => new BackendServiceRepository(Factory, new EphemeralDataProtectionProvider()).AddAsync(
        BackendService.Register(new StreamableHttpBackendSettings { Name = Vault, Url = new Uri("https://vault.example.com/mcp") }, BackendOrigin.Api, T0),
        Ct);
}
