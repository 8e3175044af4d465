using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using OneMcp.Infrastructure.Persistence.OpenIddict;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.IntegrationTests.Persistence.OpenIddict;

/// <summary>The four Dapper OpenIddict stores, straight through their store interfaces, on each engine.</summary>
public abstract class OpenIddictStoreContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private DapperApplicationStore Applications => new(Factory);

    private DapperAuthorizationStore Authorizations => new(Factory);

    private DapperScopeStore Scopes => new(Factory);

    private DapperTokenStore Tokens => new(Factory);

    // ---- round trips ----

    [Fact]
    public async Task Application_RoundTripsEveryProperty()
    {
        var keys = NewKeySet();
        var application = await Applications.InstantiateAsync(Ct);
        await Applications.SetApplicationTypeAsync(application, ApplicationTypes.Native, Ct);
        await Applications.SetClientIdAsync(application, "client-" + NonAscii, Ct);
        await Applications.SetClientSecretAsync(application, "hashed-secret", Ct);
        await Applications.SetClientTypeAsync(application, ClientTypes.Confidential, Ct);
        await Applications.SetConsentTypeAsync(application, ConsentTypes.Explicit, Ct);
        await Applications.SetDisplayNameAsync(application, "Claude <Code> & " + NonAscii, Ct);
        await Applications.SetDisplayNamesAsync(application, ImmutableDictionary<CultureInfo, string>.Empty.Add(CultureInfo.InvariantCulture, "Invariant " + NonAscii), Ct);
        await Applications.SetJsonWebKeySetAsync(application, keys, Ct);
        await Applications.SetPermissionsAsync(application, [Permissions.Endpoints.Token, Permissions.Prefixes.Scope + "tag:web", Permissions.Prefixes.Resource + "https://h/mcp"], Ct);
        await Applications.SetPostLogoutRedirectUrisAsync(application, ["https://app.example/bye"], Ct);
        await Applications.SetPropertiesAsync(application, Properties(), Ct);
        await Applications.SetRedirectUrisAsync(application, ["http://127.0.0.1/callback", "https://app.example/cb?x=1&y=\"2\""], Ct);
        await Applications.SetRequirementsAsync(application, [Requirements.Features.ProofKeyForCodeExchange], Ct);
        await Applications.SetSettingsAsync(application, ImmutableDictionary<string, string>.Empty.Add(Settings.TokenLifetimes.AccessToken, "00:10:00").Add("Other", NonAscii), Ct);
        await Applications.CreateAsync(application, Ct);

        var id = (await Applications.GetIdAsync(application, Ct)).ShouldNotBeNull();
        var loaded = (await Applications.FindByIdAsync(id, Ct)).ShouldNotBeNull();
        loaded.ShouldNotBeSameAs(application);

        (await Applications.GetApplicationTypeAsync(loaded, Ct)).ShouldBe(ApplicationTypes.Native);
        (await Applications.GetClientIdAsync(loaded, Ct)).ShouldBe("client-" + NonAscii);
        (await Applications.GetClientSecretAsync(loaded, Ct)).ShouldBe("hashed-secret");
        (await Applications.GetClientTypeAsync(loaded, Ct)).ShouldBe(ClientTypes.Confidential);
        (await Applications.GetConsentTypeAsync(loaded, Ct)).ShouldBe(ConsentTypes.Explicit);
        (await Applications.GetDisplayNameAsync(loaded, Ct)).ShouldBe("Claude <Code> & " + NonAscii);
        (await Applications.GetDisplayNamesAsync(loaded, Ct)).ShouldBe(new Dictionary<CultureInfo, string> { [CultureInfo.InvariantCulture] = "Invariant " + NonAscii });
        var loadedKeys = (await Applications.GetJsonWebKeySetAsync(loaded, Ct)).ShouldNotBeNull();
        loadedKeys.Keys.Count.ShouldBe(1);
        loadedKeys.Keys[0].Kid.ShouldBe(keys.Keys[0].Kid);
        loadedKeys.Keys[0].N.ShouldBe(keys.Keys[0].N);
        loadedKeys.Keys[0].E.ShouldBe(keys.Keys[0].E);
        (await Applications.GetPermissionsAsync(loaded, Ct)).ShouldBe([Permissions.Endpoints.Token, Permissions.Prefixes.Scope + "tag:web", Permissions.Prefixes.Resource + "https://h/mcp"]);
        (await Applications.GetPostLogoutRedirectUrisAsync(loaded, Ct)).ShouldBe(["https://app.example/bye"]);
        ShouldBeProperties(await Applications.GetPropertiesAsync(loaded, Ct));
        (await Applications.GetRedirectUrisAsync(loaded, Ct)).ShouldBe(["http://127.0.0.1/callback", "https://app.example/cb?x=1&y=\"2\""]);
        (await Applications.GetRequirementsAsync(loaded, Ct)).ShouldBe([Requirements.Features.ProofKeyForCodeExchange]);
        var settings = await Applications.GetSettingsAsync(loaded, Ct);
        settings.Count.ShouldBe(2);
        settings[Settings.TokenLifetimes.AccessToken].ShouldBe("00:10:00");
        settings["Other"].ShouldBe(NonAscii);
        loaded.ConcurrencyToken.ShouldBe(application.ConcurrencyToken);
    }

    [Fact]
    public async Task Application_WithNothingSet_RoundTripsEmptyCollections()
    {
        var application = await Applications.InstantiateAsync(Ct);
        await Applications.CreateAsync(application, Ct);

        var loaded = (await Applications.FindByIdAsync(application.Id!, Ct)).ShouldNotBeNull();
        (await Applications.GetClientIdAsync(loaded, Ct)).ShouldBeNull();
        (await Applications.GetDisplayNamesAsync(loaded, Ct)).ShouldBeEmpty();
        (await Applications.GetJsonWebKeySetAsync(loaded, Ct)).ShouldBeNull();
        (await Applications.GetPermissionsAsync(loaded, Ct)).IsDefault.ShouldBeFalse();
        (await Applications.GetPermissionsAsync(loaded, Ct)).ShouldBeEmpty();
        (await Applications.GetRedirectUrisAsync(loaded, Ct)).ShouldBeEmpty();
        (await Applications.GetPropertiesAsync(loaded, Ct)).ShouldBeEmpty();
        (await Applications.GetSettingsAsync(loaded, Ct)).ShouldBeEmpty();
        (await Db.CountAsync("openiddict_applications", "permissions IS NULL AND redirect_uris IS NULL AND properties IS NULL AND settings IS NULL")).ShouldBe(1);
    }

    [Fact]
    public async Task Authorization_RoundTripsEveryProperty()
    {
        var app = await NewApplicationAsync("c1");
        var authorization = await Authorizations.InstantiateAsync(Ct);
        await Authorizations.SetApplicationIdAsync(authorization, app, Ct);
        await Authorizations.SetCreationDateAsync(authorization, T0, Ct);
        await Authorizations.SetPropertiesAsync(authorization, Properties(), Ct);
        await Authorizations.SetScopesAsync(authorization, ["tag:web", OpenIddictConstants.Scopes.OfflineAccess, NonAscii], Ct);
        await Authorizations.SetStatusAsync(authorization, Statuses.Valid, Ct);
        await Authorizations.SetSubjectAsync(authorization, "alice", Ct);
        await Authorizations.SetTypeAsync(authorization, AuthorizationTypes.Permanent, Ct);
        await Authorizations.CreateAsync(authorization, Ct);

        var loaded = (await Authorizations.FindByIdAsync(authorization.Id!, Ct)).ShouldNotBeNull();
        (await Authorizations.GetIdAsync(loaded, Ct)).ShouldBe(authorization.Id);
        (await Authorizations.GetApplicationIdAsync(loaded, Ct)).ShouldBe(app);
        ShouldBeStored((await Authorizations.GetCreationDateAsync(loaded, Ct)).ShouldNotBeNull(), T0);
        ShouldBeProperties(await Authorizations.GetPropertiesAsync(loaded, Ct));
        (await Authorizations.GetScopesAsync(loaded, Ct)).ShouldBe(["tag:web", OpenIddictConstants.Scopes.OfflineAccess, NonAscii]);
        (await Authorizations.GetStatusAsync(loaded, Ct)).ShouldBe(Statuses.Valid);
        (await Authorizations.GetSubjectAsync(loaded, Ct)).ShouldBe("alice");
        (await Authorizations.GetTypeAsync(loaded, Ct)).ShouldBe(AuthorizationTypes.Permanent);
        loaded.ConcurrencyToken.ShouldBe(authorization.ConcurrencyToken);
    }

    [Fact]
    public async Task Scope_RoundTripsEveryProperty()
    {
        var scope = await Scopes.InstantiateAsync(Ct);
        await Scopes.SetDescriptionAsync(scope, "Web tools – " + NonAscii, Ct);
        await Scopes.SetDescriptionsAsync(scope, ImmutableDictionary<CultureInfo, string>.Empty.Add(CultureInfo.InvariantCulture, "desc"), Ct);
        await Scopes.SetDisplayNameAsync(scope, "Web", Ct);
        await Scopes.SetDisplayNamesAsync(scope, ImmutableDictionary<CultureInfo, string>.Empty.Add(CultureInfo.InvariantCulture, "名前"), Ct);
        await Scopes.SetNameAsync(scope, "tag:web", Ct);
        await Scopes.SetPropertiesAsync(scope, Properties(), Ct);
        await Scopes.SetResourcesAsync(scope, ["https://h/mcp", "urn:other"], Ct);
        await Scopes.CreateAsync(scope, Ct);

        var loaded = (await Scopes.FindByIdAsync(scope.Id!, Ct)).ShouldNotBeNull();
        (await Scopes.GetIdAsync(loaded, Ct)).ShouldBe(scope.Id);
        (await Scopes.GetDescriptionAsync(loaded, Ct)).ShouldBe("Web tools – " + NonAscii);
        (await Scopes.GetDescriptionsAsync(loaded, Ct))[CultureInfo.InvariantCulture].ShouldBe("desc");
        (await Scopes.GetDisplayNameAsync(loaded, Ct)).ShouldBe("Web");
        (await Scopes.GetDisplayNamesAsync(loaded, Ct))[CultureInfo.InvariantCulture].ShouldBe("名前");
        (await Scopes.GetNameAsync(loaded, Ct)).ShouldBe("tag:web");
        ShouldBeProperties(await Scopes.GetPropertiesAsync(loaded, Ct));
        (await Scopes.GetResourcesAsync(loaded, Ct)).ShouldBe(["https://h/mcp", "urn:other"]);
    }

    [Fact]
    public async Task Token_RoundTripsEveryProperty()
    {
        var app = await NewApplicationAsync("c1");
        var auth = await NewAuthorizationAsync(app, "alice");
        var token = await Tokens.InstantiateAsync(Ct);
        await Tokens.SetApplicationIdAsync(token, app, Ct);
        await Tokens.SetAuthorizationIdAsync(token, auth, Ct);
        await Tokens.SetCreationDateAsync(token, T0, Ct);
        await Tokens.SetExpirationDateAsync(token, T0.AddHours(1), Ct);
        await Tokens.SetPayloadAsync(token, "eyJhbGciOi.payload." + NonAscii, Ct);
        await Tokens.SetPropertiesAsync(token, Properties(), Ct);
        await Tokens.SetRedemptionDateAsync(token, T0.AddMinutes(5), Ct);
        await Tokens.SetReferenceIdAsync(token, "ref+/=", Ct);
        await Tokens.SetStatusAsync(token, Statuses.Redeemed, Ct);
        await Tokens.SetSubjectAsync(token, "alice", Ct);
        await Tokens.SetTypeAsync(token, TokenTypeIdentifiers.RefreshToken, Ct);
        await Tokens.CreateAsync(token, Ct);

        var loaded = (await Tokens.FindByIdAsync(token.Id!, Ct)).ShouldNotBeNull();
        (await Tokens.GetIdAsync(loaded, Ct)).ShouldBe(token.Id);
        (await Tokens.GetApplicationIdAsync(loaded, Ct)).ShouldBe(app);
        (await Tokens.GetAuthorizationIdAsync(loaded, Ct)).ShouldBe(auth);
        ShouldBeStored((await Tokens.GetCreationDateAsync(loaded, Ct)).ShouldNotBeNull(), T0);
        ShouldBeStored((await Tokens.GetExpirationDateAsync(loaded, Ct)).ShouldNotBeNull(), T0.AddHours(1));
        ShouldBeStored((await Tokens.GetRedemptionDateAsync(loaded, Ct)).ShouldNotBeNull(), T0.AddMinutes(5));
        (await Tokens.GetPayloadAsync(loaded, Ct)).ShouldBe("eyJhbGciOi.payload." + NonAscii);
        ShouldBeProperties(await Tokens.GetPropertiesAsync(loaded, Ct));
        (await Tokens.GetReferenceIdAsync(loaded, Ct)).ShouldBe("ref+/=");
        (await Tokens.GetStatusAsync(loaded, Ct)).ShouldBe(Statuses.Redeemed);
        (await Tokens.GetSubjectAsync(loaded, Ct)).ShouldBe("alice");
        (await Tokens.GetTypeAsync(loaded, Ct)).ShouldBe(TokenTypeIdentifiers.RefreshToken);

        var bare = await Tokens.InstantiateAsync(Ct);
        await Tokens.CreateAsync(bare, Ct);
        var loadedBare = (await Tokens.FindByIdAsync(bare.Id!, Ct)).ShouldNotBeNull();
        (await Tokens.GetCreationDateAsync(loadedBare, Ct)).ShouldBeNull();
        (await Tokens.GetApplicationIdAsync(loadedBare, Ct)).ShouldBeNull();
        (await Tokens.GetPropertiesAsync(loadedBare, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Instantiate_ReturnsNewEntitiesWithIds()
    {
        var a = await Tokens.InstantiateAsync(Ct);
        var b = await Tokens.InstantiateAsync(Ct);
        a.ShouldNotBeSameAs(b);
        a.Id.ShouldNotBe(b.Id);
        (await Applications.InstantiateAsync(Ct)).ShouldNotBeSameAs(await Applications.InstantiateAsync(Ct));
        (await Authorizations.InstantiateAsync(Ct)).ShouldNotBeSameAs(await Authorizations.InstantiateAsync(Ct));
        (await Scopes.InstantiateAsync(Ct)).ShouldNotBeSameAs(await Scopes.InstantiateAsync(Ct));
    }

    // ---- concurrency ----

    [Fact]
    public async Task Token_UpdateOfAStaleCopy_ThrowsConcurrencyException()
    {
        var id = await NewTokenAsync(null, null, "alice", Statuses.Valid, TokenTypeIdentifiers.Private.AuthorizationCode, Now);
        var first = (await Tokens.FindByIdAsync(id, Ct))!;
        var second = (await Tokens.FindByIdAsync(id, Ct))!;

        await Tokens.SetStatusAsync(first, Statuses.Redeemed, Ct);
        await Tokens.UpdateAsync(first, Ct);
        first.ConcurrencyToken.ShouldNotBe(second.ConcurrencyToken);
        await Tokens.SetStatusAsync(second, Statuses.Revoked, Ct);
        await Should.ThrowAsync<OpenIddictExceptions.ConcurrencyException>(async () => await Tokens.UpdateAsync(second, Ct));
        await Should.ThrowAsync<OpenIddictExceptions.ConcurrencyException>(async () => await Tokens.DeleteAsync(second, Ct));

        (await Tokens.GetStatusAsync((await Tokens.FindByIdAsync(id, Ct))!, Ct)).ShouldBe(Statuses.Redeemed);
        await Tokens.UpdateAsync(first, Ct); // the winner's copy is current and can update again
        await Tokens.DeleteAsync(first, Ct);
        (await Tokens.FindByIdAsync(id, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task ApplicationAuthorizationScope_UpdateOfAStaleCopy_ThrowsConcurrencyException()
    {
        var appId = await NewApplicationAsync("c1");
        var app1 = (await Applications.FindByIdAsync(appId, Ct))!;
        var app2 = (await Applications.FindByIdAsync(appId, Ct))!;
        await Applications.SetDisplayNameAsync(app1, "one", Ct);
        await Applications.UpdateAsync(app1, Ct);
        await Should.ThrowAsync<OpenIddictExceptions.ConcurrencyException>(async () => await Applications.UpdateAsync(app2, Ct));
        await Should.ThrowAsync<OpenIddictExceptions.ConcurrencyException>(async () => await Applications.DeleteAsync(app2, Ct));
        (await Applications.GetDisplayNameAsync((await Applications.FindByIdAsync(appId, Ct))!, Ct)).ShouldBe("one");

        var authId = await NewAuthorizationAsync(appId, "alice");
        var auth1 = (await Authorizations.FindByIdAsync(authId, Ct))!;
        var auth2 = (await Authorizations.FindByIdAsync(authId, Ct))!;
        await Authorizations.SetStatusAsync(auth1, Statuses.Revoked, Ct);
        await Authorizations.UpdateAsync(auth1, Ct);
        await Should.ThrowAsync<OpenIddictExceptions.ConcurrencyException>(async () => await Authorizations.UpdateAsync(auth2, Ct));
        await Should.ThrowAsync<OpenIddictExceptions.ConcurrencyException>(async () => await Authorizations.DeleteAsync(auth2, Ct));

        var scope = await Scopes.InstantiateAsync(Ct);
        scope.Name = "tag:x";
        await Scopes.CreateAsync(scope, Ct);
        var scope2 = (await Scopes.FindByNameAsync("tag:x", Ct))!;
        await Scopes.SetDescriptionAsync(scope, "changed", Ct);
        await Scopes.UpdateAsync(scope, Ct);
        await Should.ThrowAsync<OpenIddictExceptions.ConcurrencyException>(async () => await Scopes.UpdateAsync(scope2, Ct));
        await Scopes.DeleteAsync(scope, Ct);
        (await Scopes.CountAsync(Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task Token_ParallelRedemption_ExactlyOneWinsEveryRound()
    {
        for (var round = 0; round < 5; round++)
        {
            var id = await NewTokenAsync(null, null, "alice", Statuses.Valid, TokenTypeIdentifiers.Private.AuthorizationCode, Now);
            var copies = new List<OidcToken>();
            for (var i = 0; i < 4; i++)
            {
                copies.Add((await Tokens.FindByIdAsync(id, Ct))!);
            }

            using var start = new Barrier(copies.Count);
            var attempts = copies.Select((copy, i) => Task.Run(async () =>
            {
                var store = new DapperTokenStore(Factory);
                await store.SetStatusAsync(copy, Statuses.Redeemed, Ct);
                await store.SetRedemptionDateAsync(copy, T0.AddSeconds(i), Ct);
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                try
                {
                    await store.UpdateAsync(copy, Ct);
                    return true;
                }
                catch (OpenIddictExceptions.ConcurrencyException)
                {
                    return false;
                }
            })).ToList();

            var results = await Task.WhenAll(attempts);
            results.Count(won => won).ShouldBe(1, $"round {round}");
            var stored = (await Tokens.FindByIdAsync(id, Ct))!;
            stored.Status.ShouldBe(Statuses.Redeemed);
            stored.ConcurrencyToken.ShouldBe(copies[Array.IndexOf(results, true)].ConcurrencyToken);
        }
    }

    // ---- finders ----

    [Fact]
    public async Task Application_FindByClientIdAndRedirectUris()
    {
        var a = await NewApplicationAsync("client-a", redirectUris: ["http://127.0.0.1/cb", "https://a.example/cb"], postLogout: ["https://a.example/bye"]);
        var b = await NewApplicationAsync("client-b", redirectUris: ["https://a.example/cb"]);
        await NewApplicationAsync("client-c");

        (await Applications.FindByClientIdAsync("client-a", Ct))!.Id.ShouldBe(a);
        (await Applications.FindByClientIdAsync("CLIENT-A", Ct)).ShouldBeNull();
        (await Applications.FindByClientIdAsync("nobody", Ct)).ShouldBeNull();
        (await ListOf(Applications.FindByRedirectUriAsync("https://a.example/cb", Ct))).Select(x => x.Id).ShouldBe([a, b], ignoreOrder: true);
        (await ListOf(Applications.FindByRedirectUriAsync("http://127.0.0.1/cb", Ct))).Select(x => x.Id).ShouldBe([a]);
        (await ListOf(Applications.FindByRedirectUriAsync("https://a.example/c", Ct))).ShouldBeEmpty();
        (await ListOf(Applications.FindByPostLogoutRedirectUriAsync("https://a.example/bye", Ct))).Select(x => x.Id).ShouldBe([a]);
        (await ListOf(Applications.FindByPostLogoutRedirectUriAsync("https://a.example/cb", Ct))).ShouldBeEmpty();
    }

    [Fact]
    public async Task Scope_FindByNameNamesAndResource()
    {
        foreach (var (name, resources) in new[] { ("tag:a", new[] { "https://h/mcp" }), ("tag:b", new[] { "https://h/mcp", "urn:x" }), ("tag:c", Array.Empty<string>()) })
        {
            var scope = await Scopes.InstantiateAsync(Ct);
            await Scopes.SetNameAsync(scope, name, Ct);
            await Scopes.SetResourcesAsync(scope, [.. resources], Ct);
            await Scopes.CreateAsync(scope, Ct);
        }

        (await Scopes.FindByNameAsync("tag:b", Ct)).ShouldNotBeNull().Name.ShouldBe("tag:b");
        (await Scopes.FindByNameAsync("tag:z", Ct)).ShouldBeNull();
        (await ListOf(Scopes.FindByNamesAsync(["tag:a", "tag:c", "tag:z"], Ct))).Select(s => s.Name).ShouldBe(["tag:a", "tag:c"], ignoreOrder: true);
        (await ListOf(Scopes.FindByNamesAsync([], Ct))).ShouldBeEmpty();
        (await ListOf(Scopes.FindByResourceAsync("https://h/mcp", Ct))).Select(s => s.Name).ShouldBe(["tag:a", "tag:b"], ignoreOrder: true);
        (await ListOf(Scopes.FindByResourceAsync("urn:x", Ct))).Select(s => s.Name).ShouldBe(["tag:b"]);
    }

    [Fact]
    public async Task Authorization_FindByCombinations()
    {
        var app1 = await NewApplicationAsync("c1");
        var app2 = await NewApplicationAsync("c2");
        var a1 = await NewAuthorizationAsync(app1, "alice", Statuses.Valid, AuthorizationTypes.Permanent, scopes: ["tag:a", "tag:b"]);
        var a2 = await NewAuthorizationAsync(app1, "alice", Statuses.Revoked, AuthorizationTypes.AdHoc, scopes: ["tag:a"]);
        var a3 = await NewAuthorizationAsync(app2, "alice", Statuses.Valid, AuthorizationTypes.AdHoc);
        var a4 = await NewAuthorizationAsync(app1, "bob", Statuses.Valid, AuthorizationTypes.Permanent, scopes: ["tag:a"]);

        async Task<string?[]> Find(string? subject, string? client, string? status, string? type, ImmutableArray<string>? scopes = null) =>
            [.. (await ListOf(Authorizations.FindAsync(subject, client, status, type, scopes, Ct))).Select(a => a.Id)];

        (await Find("alice", null, null, null)).ShouldBe([a1, a2, a3], ignoreOrder: true);
        (await Find("alice", app1, null, null)).ShouldBe([a1, a2], ignoreOrder: true);
        (await Find("alice", app1, Statuses.Valid, null)).ShouldBe([a1]);
        (await Find(null, app1, Statuses.Valid, AuthorizationTypes.Permanent)).ShouldBe([a1, a4], ignoreOrder: true);
        (await Find(null, null, null, AuthorizationTypes.AdHoc)).ShouldBe([a2, a3], ignoreOrder: true);
        (await Find(null, null, null, null)).Length.ShouldBe(4);
        (await Find(null, app1, null, null, ["tag:a"])).ShouldBe([a1, a2, a4], ignoreOrder: true);
        (await Find(null, app1, null, null, ["tag:a", "tag:b"])).ShouldBe([a1]);
        (await Find("carol", null, null, null)).ShouldBeEmpty();

        (await ListOf(Authorizations.FindByApplicationIdAsync(app2, Ct))).Select(a => a.Id).ShouldBe([a3]);
        (await ListOf(Authorizations.FindBySubjectAsync("bob", Ct))).Select(a => a.Id).ShouldBe([a4]);
        (await Authorizations.FindByIdAsync("missing", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Token_FindByCombinations()
    {
        var app1 = await NewApplicationAsync("c1");
        var app2 = await NewApplicationAsync("c2");
        var auth = await NewAuthorizationAsync(app1, "alice");
        var t1 = await NewTokenAsync(app1, auth, "alice", Statuses.Valid, TokenTypeIdentifiers.RefreshToken, Now, referenceId: "ref-1");
        var t2 = await NewTokenAsync(app1, auth, "alice", Statuses.Redeemed, TokenTypeIdentifiers.Private.AuthorizationCode, Now);
        var t3 = await NewTokenAsync(app2, null, "alice", Statuses.Valid, TokenTypeIdentifiers.AccessToken, Now);
        var t4 = await NewTokenAsync(app1, null, "bob", Statuses.Valid, TokenTypeIdentifiers.RefreshToken, Now, referenceId: "ref-4");

        async Task<string?[]> Find(string? subject, string? client, string? status, string? type) =>
            [.. (await ListOf(Tokens.FindAsync(subject, client, status, type, Ct))).Select(t => t.Id)];

        (await Find("alice", null, null, null)).ShouldBe([t1, t2, t3], ignoreOrder: true);
        (await Find("alice", app1, null, null)).ShouldBe([t1, t2], ignoreOrder: true);
        (await Find("alice", app1, Statuses.Valid, null)).ShouldBe([t1]);
        (await Find(null, app1, Statuses.Valid, TokenTypeIdentifiers.RefreshToken)).ShouldBe([t1, t4], ignoreOrder: true);
        (await Find(null, null, null, TokenTypeIdentifiers.AccessToken)).ShouldBe([t3]);
        (await Find(null, null, null, null)).Length.ShouldBe(4);

        (await Tokens.FindByReferenceIdAsync("ref-4", Ct))!.Id.ShouldBe(t4);
        (await Tokens.FindByReferenceIdAsync("REF-4", Ct)).ShouldBeNull();
        (await ListOf(Tokens.FindByAuthorizationIdAsync(auth, Ct))).Select(t => t.Id).ShouldBe([t1, t2], ignoreOrder: true);
        (await ListOf(Tokens.FindByApplicationIdAsync(app2, Ct))).Select(t => t.Id).ShouldBe([t3]);
        (await ListOf(Tokens.FindBySubjectAsync("bob", Ct))).Select(t => t.Id).ShouldBe([t4]);
    }

    [Fact]
    public async Task ListCountAndQueryables()
    {
        for (var i = 0; i < 5; i++)
        {
            await NewApplicationAsync($"client-{i}");
            await NewTokenAsync(null, null, "s", Statuses.Valid, TokenTypeIdentifiers.AccessToken, Now);
        }

        (await Applications.CountAsync(Ct)).ShouldBe(5);
        (await Tokens.CountAsync(Ct)).ShouldBe(5);
        (await Authorizations.CountAsync(Ct)).ShouldBe(0);
        var all = await ListOf(Tokens.ListAsync(null, null, Ct));
        all.Count.ShouldBe(5);
        (await ListOf(Tokens.ListAsync(2, 1, Ct))).Select(t => t.Id).ShouldBe(all.Skip(1).Take(2).Select(t => t.Id));
        (await ListOf(Tokens.ListAsync(null, 3, Ct))).Select(t => t.Id).ShouldBe(all.Skip(3).Select(t => t.Id));
        (await ListOf(Applications.ListAsync(0, null, Ct))).ShouldBeEmpty();
        (await ListOf(Applications.ListAsync(10, 4, Ct))).Count.ShouldBe(1);

        (await Applications.CountAsync(q => q.Where(a => a.ClientId!.EndsWith('3')), Ct)).ShouldBe(1);
        (await Applications.GetAsync((q, s) => q.Where(a => a.ClientId == s).Select(a => a.ClientId), "client-2", Ct)).ShouldBe("client-2");
        (await ListOf(Applications.ListAsync((q, n) => q.OrderBy(a => a.ClientId).Take(n), 2, Ct))).Select(a => a.ClientId).ShouldBe(["client-0", "client-1"]);
        (await Scopes.CountAsync(q => q, Ct)).ShouldBe(0);

        var error = await Should.ThrowAsync<NotSupportedException>(async () => await Tokens.CountAsync(q => q, Ct));
        error.Message.ShouldContain("Dapper");
        await Should.ThrowAsync<NotSupportedException>(async () => await Tokens.GetAsync((q, s) => q, 0, Ct));
        Should.Throw<NotSupportedException>(() => Tokens.ListAsync((q, s) => q, 0, Ct));
        await Should.ThrowAsync<NotSupportedException>(async () => await Authorizations.CountAsync(q => q, Ct));
        await Should.ThrowAsync<NotSupportedException>(async () => await Authorizations.GetAsync((q, s) => q, 0, Ct));
        Should.Throw<NotSupportedException>(() => Authorizations.ListAsync((q, s) => q, 0, Ct));
    }

    // ---- revocation ----

    [Fact]
    public async Task Token_Revoke_CountsAndBumpsConcurrencyTokens()
    {
        var app1 = await NewApplicationAsync("c1");
        var app2 = await NewApplicationAsync("c2");
        var auth = await NewAuthorizationAsync(app1, "alice");
        var t1 = await NewTokenAsync(app1, auth, "alice", Statuses.Valid, TokenTypeIdentifiers.RefreshToken, Now);
        await NewTokenAsync(app1, auth, "alice", Statuses.Valid, TokenTypeIdentifiers.AccessToken, Now);
        await NewTokenAsync(app1, null, "bob", Statuses.Valid, TokenTypeIdentifiers.AccessToken, Now);
        await NewTokenAsync(app2, null, "bob", Statuses.Valid, TokenTypeIdentifiers.AccessToken, Now);
        await NewTokenAsync(app2, null, "carol", Statuses.Inactive, TokenTypeIdentifiers.RefreshToken, Now);
        var stale = (await Tokens.FindByIdAsync(t1, Ct))!;

        (await Tokens.RevokeByAuthorizationIdAsync(auth, Ct)).ShouldBe(2);
        (await Db.CountAsync("openiddict_tokens", "status = 'revoked'")).ShouldBe(2);
        await Should.ThrowAsync<OpenIddictExceptions.ConcurrencyException>(async () => await Tokens.UpdateAsync(stale, Ct));

        (await Tokens.RevokeBySubjectAsync("bob", Ct)).ShouldBe(2);
        (await Db.CountAsync("openiddict_tokens", "status = 'revoked'")).ShouldBe(4);
        (await Tokens.RevokeAsync(null, app2, Statuses.Inactive, TokenTypeIdentifiers.RefreshToken, Ct)).ShouldBe(1);
        (await Tokens.RevokeAsync("nobody", null, null, null, Ct)).ShouldBe(0);
        (await Tokens.RevokeByApplicationIdAsync(app1, Ct)).ShouldBe(3);
        (await Db.CountAsync("openiddict_tokens", "status = 'revoked'")).ShouldBe(5);
        (await Db.CountAsync("openiddict_tokens", "concurrency_token IS NULL")).ShouldBe(0);
        (await ListOf(Tokens.ListAsync(null, null, Ct))).Select(t => t.ConcurrencyToken).Distinct().Count().ShouldBe(5);
    }

    [Fact]
    public async Task Authorization_Revoke_CountsAndBumpsConcurrencyTokens()
    {
        var app1 = await NewApplicationAsync("c1");
        var app2 = await NewApplicationAsync("c2");
        var a1 = await NewAuthorizationAsync(app1, "alice");
        await NewAuthorizationAsync(app1, "bob", type: AuthorizationTypes.AdHoc);
        await NewAuthorizationAsync(app2, "bob");
        await NewAuthorizationAsync(app2, "carol", type: AuthorizationTypes.AdHoc);
        var stale = (await Authorizations.FindByIdAsync(a1, Ct))!;

        (await Authorizations.RevokeBySubjectAsync("bob", Ct)).ShouldBe(2);
        (await Authorizations.RevokeAsync(null, app2, null, AuthorizationTypes.AdHoc, Ct)).ShouldBe(1);
        (await Db.CountAsync("openiddict_authorizations", "status = 'revoked'")).ShouldBe(3);
        (await Authorizations.RevokeByApplicationIdAsync(app1, Ct)).ShouldBe(2);
        (await Db.CountAsync("openiddict_authorizations", "status = 'revoked'")).ShouldBe(4);
        await Should.ThrowAsync<OpenIddictExceptions.ConcurrencyException>(async () => await Authorizations.UpdateAsync(stale, Ct));
    }

    // ---- cascades ----

    [Fact]
    public async Task DeletingAnApplication_RemovesItsAuthorizationsAndTokens()
    {
        var app1 = await NewApplicationAsync("c1");
        var app2 = await NewApplicationAsync("c2");
        var auth1 = await NewAuthorizationAsync(app1, "alice");
        var auth2 = await NewAuthorizationAsync(app2, "alice");
        await NewTokenAsync(app1, auth1, "alice", Statuses.Valid, TokenTypeIdentifiers.RefreshToken, Now);
        await NewTokenAsync(app1, null, "alice", Statuses.Valid, TokenTypeIdentifiers.AccessToken, Now);
        var kept = await NewTokenAsync(app2, auth2, "alice", Statuses.Valid, TokenTypeIdentifiers.AccessToken, Now);

        await Applications.DeleteAsync((await Applications.FindByIdAsync(app1, Ct))!, Ct);

        (await Applications.FindByIdAsync(app1, Ct)).ShouldBeNull();
        (await ListOf(Authorizations.ListAsync(null, null, Ct))).Select(a => a.Id).ShouldBe([auth2]);
        (await ListOf(Tokens.ListAsync(null, null, Ct))).Select(t => t.Id).ShouldBe([kept]);
    }

    [Fact]
    public async Task DeletingAnAuthorization_RemovesItsTokens()
    {
        var app = await NewApplicationAsync("c1");
        var auth1 = await NewAuthorizationAsync(app, "alice");
        var auth2 = await NewAuthorizationAsync(app, "alice");
        await NewTokenAsync(app, auth1, "alice", Statuses.Valid, TokenTypeIdentifiers.RefreshToken, Now);
        var kept = await NewTokenAsync(app, auth2, "alice", Statuses.Valid, TokenTypeIdentifiers.RefreshToken, Now);

        await Authorizations.DeleteAsync((await Authorizations.FindByIdAsync(auth1, Ct))!, Ct);

        (await ListOf(Tokens.ListAsync(null, null, Ct))).Select(t => t.Id).ShouldBe([kept]);
        (await Applications.CountAsync(Ct)).ShouldBe(1);
    }

    // ---- pruning ----

    public static TheoryData<string, string, string?, string?, int, bool> TokenPruneCases => new()
    {
        // name, token status, authorization status (null: no authorization), expiry relative to now (null: none), created hours ago, pruned?
        { "valid, recent", Statuses.Valid, null, "+1h", 1, false },
        { "redeemed, before threshold", Statuses.Redeemed, null, "+1h", 48, true },
        { "redeemed, after threshold", Statuses.Redeemed, null, "+1h", 1, false },
        { "revoked, before threshold", Statuses.Revoked, null, "+1h", 48, true },
        { "rejected, before threshold", Statuses.Rejected, null, "+1h", 48, true },
        { "valid, before threshold, not expired", Statuses.Valid, null, "+1h", 48, false },
        { "inactive, before threshold, not expired", Statuses.Inactive, null, "+1h", 48, false },
        { "valid, before threshold, no expiry", Statuses.Valid, null, null, 48, false },
        { "valid, before threshold, expired", Statuses.Valid, null, "-1h", 48, true },
        { "valid, after threshold, expired", Statuses.Valid, null, "-1h", 1, false },
        { "valid, authorization valid", Statuses.Valid, Statuses.Valid, "+1h", 48, false },
        { "valid, authorization revoked", Statuses.Valid, Statuses.Revoked, "+1h", 48, true },
        { "valid, authorization revoked, after threshold", Statuses.Valid, Statuses.Revoked, "+1h", 1, false },
    };

    [Theory]
    [MemberData(nameof(TokenPruneCases))]
    public async Task Token_Prune_FollowsTheEfRules(string name, string status, string? authorizationStatus, string? expires, int createdHoursAgo, bool pruned)
    {
        var app = await NewApplicationAsync("c1");
        var auth = authorizationStatus is null ? null : await NewAuthorizationAsync(app, "alice", authorizationStatus, created: Now.AddHours(-1));
        DateTimeOffset? expiration = expires switch { "+1h" => Now.AddHours(1), "-1h" => Now.AddHours(-1), _ => null };
        var subject = await NewTokenAsync(app, auth, "alice", status, TokenTypeIdentifiers.RefreshToken, Now.AddHours(-createdHoursAgo), expiration);
        var control = await NewTokenAsync(app, null, "alice", Statuses.Valid, TokenTypeIdentifiers.RefreshToken, Now.AddHours(-48), Now.AddHours(1));

        var count = await Tokens.PruneAsync(Now.AddHours(-24), Ct);

        count.ShouldBe(pruned ? 1 : 0, name);
        ((await Tokens.FindByIdAsync(subject, Ct)) is null).ShouldBe(pruned, name);
        (await Tokens.FindByIdAsync(control, Ct)).ShouldNotBeNull(name);
    }

    [Fact]
    public async Task Token_Prune_JudgesExpiryByTheStoresClock()
    {
        // Valid and created before the threshold: pruned once expired, and "expired" is judged by the injected clock.
        var app = await NewApplicationAsync("c1");
        var token = await NewTokenAsync(app, null, "alice", Statuses.Valid, TokenTypeIdentifiers.RefreshToken, Now.AddHours(-48), Now.AddHours(1));
        var clock = new FakeTimeProvider(Now);
        var store = new DapperTokenStore(Factory, time: clock);

        (await store.PruneAsync(Now.AddHours(-24), Ct)).ShouldBe(0);
        (await store.FindByIdAsync(token, Ct)).ShouldNotBeNull();

        clock.Advance(TimeSpan.FromHours(2));

        (await store.PruneAsync(Now.AddHours(-24), Ct)).ShouldBe(1);
        (await store.FindByIdAsync(token, Ct)).ShouldBeNull();
    }

    public static TheoryData<string, string, string, bool, int, bool> AuthorizationPruneCases => new()
    {
        // name, status, type, has a token, created hours ago, pruned?
        { "valid permanent, no tokens", Statuses.Valid, AuthorizationTypes.Permanent, false, 48, false },
        { "valid ad-hoc, with a token", Statuses.Valid, AuthorizationTypes.AdHoc, true, 48, false },
        { "valid ad-hoc, no tokens", Statuses.Valid, AuthorizationTypes.AdHoc, false, 48, true },
        { "valid ad-hoc, no tokens, after threshold", Statuses.Valid, AuthorizationTypes.AdHoc, false, 1, false },
        { "revoked permanent, with a token", Statuses.Revoked, AuthorizationTypes.Permanent, true, 48, true },
        { "revoked permanent, after threshold", Statuses.Revoked, AuthorizationTypes.Permanent, false, 1, false },
        { "inactive ad-hoc, with a token", Statuses.Inactive, AuthorizationTypes.AdHoc, true, 48, true },
    };

    [Theory]
    [MemberData(nameof(AuthorizationPruneCases))]
    public async Task Authorization_Prune_FollowsTheEfRules(string name, string status, string type, bool hasToken, int createdHoursAgo, bool pruned)
    {
        var app = await NewApplicationAsync("c1");
        var subject = await NewAuthorizationAsync(app, "alice", status, type, created: Now.AddHours(-createdHoursAgo));
        var token = hasToken ? await NewTokenAsync(app, subject, "alice", Statuses.Valid, TokenTypeIdentifiers.RefreshToken, Now, Now.AddHours(1)) : null;
        var control = await NewAuthorizationAsync(app, "alice", Statuses.Valid, AuthorizationTypes.Permanent, created: Now.AddHours(-48));

        var count = await Authorizations.PruneAsync(Now.AddHours(-24), Ct);

        count.ShouldBe(pruned ? 1 : 0, name);
        ((await Authorizations.FindByIdAsync(subject, Ct)) is null).ShouldBe(pruned, name);
        (await Authorizations.FindByIdAsync(control, Ct)).ShouldNotBeNull(name);
        if (token is not null)
        {
            ((await Tokens.FindByIdAsync(token, Ct)) is null).ShouldBe(pruned, name + ": the token goes with its authorization");
        }
    }

    [Fact]
    public async Task Prune_DeletesInBatchesAndCountsThemAll()
    {
        var rows = Enumerable.Range(0, 1_203).Select(i => new
        {
            Id = $"tok-{i:D5}",
            Created = Db.Dialect == Infrastructure.Persistence.SqlDialect.Sqlite
                ? (object)((Now.AddDays(-2).UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10)
                : Now.AddDays(-2),
        });
        await Db.ExecuteAsync("INSERT INTO openiddict_tokens (id, concurrency_token, creation_date, status) VALUES (@Id, 'x', @Created, 'redeemed')", rows);

        (await Tokens.PruneAsync(Now.AddDays(-1), Ct)).ShouldBe(1_203);
        (await Tokens.CountAsync(Ct)).ShouldBe(0);
    }

    // ---- helpers ----

    private static async Task<List<T>> ListOf<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }

    private static ImmutableDictionary<string, JsonElement> Properties()
    {
        using var document = JsonDocument.Parse("""{"n":42,"s":"x – ü","o":{"a":[1,true,null]},"Case":"kept"}""");
        return document.RootElement.EnumerateObject().ToImmutableDictionary(p => p.Name, p => p.Value.Clone());
    }

    private static void ShouldBeProperties(ImmutableDictionary<string, JsonElement> properties)
    {
        properties.Keys.ShouldBe(["n", "s", "o", "Case"], ignoreOrder: true);
        properties["n"].GetInt32().ShouldBe(42);
        properties["s"].GetString().ShouldBe("x – ü");
        properties["o"].GetProperty("a").GetRawText().ShouldBe("[1,true,null]");
        properties["Case"].GetString().ShouldBe("kept");
    }

    private static JsonWebKeySet NewKeySet()
    {
        using var rsa = RSA.Create(2048);
        var key = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(rsa.ExportParameters(false)));
        key.Kid = "key-1";
        var set = new JsonWebKeySet();
        set.Keys.Add(key);
        return set;
    }

    private async Task<string> NewApplicationAsync(string clientId, ImmutableArray<string>? redirectUris = null, ImmutableArray<string>? postLogout = null)
    {
        var application = await Applications.InstantiateAsync(Ct);
        application.ClientId = clientId;
        application.ClientType = ClientTypes.Public;
        application.RedirectUris = redirectUris ?? [];
        application.PostLogoutRedirectUris = postLogout ?? [];
        await Applications.CreateAsync(application, Ct);
        return application.Id!;
    }

    private async Task<string> NewAuthorizationAsync(
        string? applicationId, string subject, string status = Statuses.Valid, string type = AuthorizationTypes.Permanent,
        ImmutableArray<string>? scopes = null, DateTimeOffset? created = null)
    {
        var authorization = await Authorizations.InstantiateAsync(Ct);
        authorization.ApplicationId = applicationId;
        authorization.Subject = subject;
        authorization.Status = status;
        authorization.Type = type;
        authorization.Scopes = scopes ?? [];
        authorization.CreationDate = created ?? Now;
        await Authorizations.CreateAsync(authorization, Ct);
        return authorization.Id!;
    }

    private async Task<string> NewTokenAsync(
        string? applicationId, string? authorizationId, string subject, string status, string type, DateTimeOffset created,
        DateTimeOffset? expires = null, string? referenceId = null)
    {
        var token = await Tokens.InstantiateAsync(Ct);
        token.ApplicationId = applicationId;
        token.AuthorizationId = authorizationId;
        token.Subject = subject;
        token.Status = status;
        token.Type = type;
        token.CreationDate = created;
        token.ExpirationDate = expires;
        token.ReferenceId = referenceId;
        await Tokens.CreateAsync(token, Ct);
        return token.Id!;
    }
}
