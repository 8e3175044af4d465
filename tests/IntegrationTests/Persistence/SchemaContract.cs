using OneMcp.Infrastructure.Persistence;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>The tables that have no repository yet (OpenIddict, Data Protection): keys, uniqueness and cascades.</summary>
public abstract class SchemaContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    [Fact]
    public async Task DeletingAnOpenIddictApplication_CascadesToItsAuthorizationsAndTokens()
    {
        await InsertApplicationAsync("app-1", "client-1");
        await InsertApplicationAsync("app-2", "client-2");
        await InsertAuthorizationAsync("auth-1", "app-1");
        await InsertAuthorizationAsync("auth-2", "app-2");
        await InsertTokenAsync("tok-1", "app-1", "auth-1", "ref-1");
        await InsertTokenAsync("tok-2", "app-1", null, "ref-2");
        await InsertTokenAsync("tok-3", "app-2", "auth-2", "ref-3");

        (await Db.ExecuteAsync("DELETE FROM openiddict_applications WHERE id = 'app-1'")).ShouldBe(1);

        (await Db.CountAsync("openiddict_authorizations")).ShouldBe(1);
        (await Db.CountAsync("openiddict_tokens")).ShouldBe(1);
        (await Db.CountAsync("openiddict_tokens", "id = 'tok-3'")).ShouldBe(1);
    }

    [Fact]
    public async Task DeletingAnOpenIddictAuthorization_CascadesToItsTokens()
    {
        await InsertApplicationAsync("app-1", "client-1");
        await InsertAuthorizationAsync("auth-1", "app-1");
        await InsertTokenAsync("tok-1", "app-1", "auth-1", null);
        await InsertTokenAsync("tok-2", "app-1", null, null);

        await Db.ExecuteAsync("DELETE FROM openiddict_authorizations WHERE id = 'auth-1'");

        (await Db.CountAsync("openiddict_tokens")).ShouldBe(1);
        (await Db.CountAsync("openiddict_applications")).ShouldBe(1);
    }

    [Fact]
    public async Task OpenIddictUniqueColumns_AreEnforced()
    {
        await InsertApplicationAsync("app-1", "same-client");
        await Should.ThrowAsync<Exception>(() => InsertApplicationAsync("app-2", "same-client"));

        await InsertTokenAsync("tok-1", "app-1", null, "same-ref");
        var error = await Should.ThrowAsync<Exception>(() => InsertTokenAsync("tok-2", "app-1", null, "same-ref"));
        DbValues.IsUniqueViolation(error).ShouldBeTrue();

        await Db.ExecuteAsync("INSERT INTO openiddict_scopes (id, name) VALUES ('s1', 'tag:web')");
        await Should.ThrowAsync<Exception>(() => Db.ExecuteAsync("INSERT INTO openiddict_scopes (id, name) VALUES ('s2', 'tag:web')"));
    }

    [Fact]
    public async Task OpenIddictTokens_ReferencingAnUnknownApplication_AreRefused() =>
        await Should.ThrowAsync<Exception>(() => InsertTokenAsync("tok-1", "no-such-app", null, null));

    [Fact]
    public async Task OpenIddictDates_RoundTripAtStoredPrecision()
    {
        await InsertApplicationAsync("app-1", "client-1");
        await InsertTokenAsync("tok-1", "app-1", null, null);

        await using var connection = await Factory.OpenAsync(Ct);
        var value = await Dapper.SqlMapper.ExecuteScalarAsync<object>(connection, "SELECT expiration_date FROM openiddict_tokens WHERE id = 'tok-1'");
        ShouldBeStored(DbValues.ReadTime(value!), T0.AddHours(1));
    }

    [Fact]
    public async Task DataProtectionKeys_HaveUniqueFriendlyNames()
    {
        await Db.ExecuteAsync("INSERT INTO data_protection_keys (friendly_name, xml) VALUES ('key-1', '<key/>')");
        await Db.ExecuteAsync("INSERT INTO data_protection_keys (friendly_name, xml) VALUES ('key-2', '<key/>')");

        await Should.ThrowAsync<Exception>(() => Db.ExecuteAsync("INSERT INTO data_protection_keys (friendly_name, xml) VALUES ('key-1', '<other/>')"));
        (await Db.CountAsync("data_protection_keys")).ShouldBe(2);
    }

    private Task<int> InsertApplicationAsync(string id, string clientId) => Db.ExecuteAsync(
        "INSERT INTO openiddict_applications (id, concurrency_token, client_id, client_type, display_name, permissions, redirect_uris) " +
        "VALUES (@Id, @Token, @ClientId, 'public', @Name, '[\"ept:token\"]', '[\"http://127.0.0.1/cb\"]')",
        new { Id = id, Token = Guid.NewGuid().ToString(), ClientId = clientId, Name = NonAscii });

    private Task<int> InsertAuthorizationAsync(string id, string applicationId) => Db.ExecuteAsync(
        "INSERT INTO openiddict_authorizations (id, application_id, creation_date, scopes, status, subject, type) " +
        "VALUES (@Id, @App, @Created, '[\"tag:web\"]', 'valid', 'ada', 'permanent')",
        new { Id = id, App = applicationId, Created = DbValues.Time(Db.Dialect, T0) });

    private Task<int> InsertTokenAsync(string id, string applicationId, string? authorizationId, string? referenceId) => Db.ExecuteAsync(
        "INSERT INTO openiddict_tokens (id, application_id, authorization_id, creation_date, expiration_date, reference_id, status, subject, type) " +
        "VALUES (@Id, @App, @Auth, @Created, @Expires, @Ref, 'valid', 'ada', 'refresh_token')",
        new { Id = id, App = applicationId, Auth = authorizationId, Created = DbValues.Time(Db.Dialect, T0), Expires = DbValues.Time(Db.Dialect, T0.AddHours(1)), Ref = referenceId });
}
