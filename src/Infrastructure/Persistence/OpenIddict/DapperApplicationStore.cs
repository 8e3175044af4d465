using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapper;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OneMcp.Infrastructure.Persistence.OpenIddict.OidcStoreSupport;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// OpenIddict's application store on Dapper (<c>openiddict_applications</c>, SQLite and PostgreSQL).
/// Deleting an application removes its authorizations and tokens through the ON DELETE CASCADE foreign keys.
/// The <see cref="IQueryable"/> overloads run in memory over the whole table: there are few clients.
/// Each row also records when it was created (by <paramref name="time"/>) and whether an authorization was ever made
/// for it (<see cref="DapperAuthorizationStore"/> marks it), so that registrations nobody used can be pruned
/// (<see cref="PruneNeverAuthorizedAsync"/>); neither is part of OpenIddict's model.
/// </summary>
public sealed class DapperApplicationStore(IDbConnectionFactory connections, TimeProvider? time = null) : IOpenIddictApplicationStore<OidcApplication>
{
    private const string Entity = "application";
    private const string Table = "openiddict_applications";
    private const string Columns =
        "id AS Id, concurrency_token AS ConcurrencyToken, application_type AS ApplicationType, client_id AS ClientId, " +
        "client_secret AS ClientSecret, client_type AS ClientType, consent_type AS ConsentType, display_name AS DisplayName, " +
        "display_names AS DisplayNames, json_web_key_set AS JsonWebKeySet, permissions AS Permissions, " +
        "post_logout_redirect_uris AS PostLogoutRedirectUris, properties AS Properties, redirect_uris AS RedirectUris, " +
        "requirements AS Requirements, settings AS Settings";

    private readonly SqlDialect _dialect = connections.Dialect;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(OidcStoreSupport.CountAsync(connections, Table, cancellationToken));

    public async ValueTask<long> CountAsync<TResult>(Func<IQueryable<OidcApplication>, IQueryable<TResult>> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query((await AllAsync(cancellationToken)).AsQueryable()).LongCount();
    }

    public async ValueTask CreateAsync(OidcApplication application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        if (string.IsNullOrEmpty(application.Id))
        {
            application.Id = Guid.NewGuid().ToString();
        }

        application.ConcurrencyToken ??= Guid.NewGuid().ToString();
        var parameters = Parameters(application);
        parameters.AddText("Id", application.Id);
        parameters.AddText("NewToken", application.ConcurrencyToken);
        parameters.AddTime(_dialect, "CreationDate", _time.GetUtcNow());
        await ExecuteAsync(connections,
            $"INSERT INTO {Table} (id, concurrency_token, application_type, client_id, client_secret, client_type, consent_type, display_name, " +
            "display_names, json_web_key_set, permissions, post_logout_redirect_uris, properties, redirect_uris, requirements, settings, creation_date) " +
            "VALUES (@Id, @NewToken, @ApplicationType, @ClientId, @ClientSecret, @ClientType, @ConsentType, @DisplayName, " +
            "@DisplayNames, @JsonWebKeySet, @Permissions, @PostLogoutRedirectUris, @Properties, @RedirectUris, @Requirements, @Settings, @CreationDate)",
            parameters, cancellationToken);
    }

    /// <summary>
    /// Deletes the client registrations created before <paramref name="threshold"/> that never led to an authorization
    /// (no authorization was ever created for them, and no authorization or token refers to them now): anyone may
    /// register a client (RFC 7591), and without this the abandoned ones would pile up forever. Returns how many.
    /// Rows without a creation date (none after the migration that added it) are left alone.
    /// </summary>
    public async Task<long> PruneNeverAuthorizedAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddTime(_dialect, "Threshold", threshold);
        var never = _dialect == SqlDialect.Postgres ? "NOT a.ever_authorized" : "a.ever_authorized = 0";
        return await DeleteInBatchesAsync(connections,
            $"DELETE FROM {Table} WHERE id IN (SELECT a.id FROM {Table} a WHERE a.creation_date < @Threshold AND {never} " +
            "AND NOT EXISTS (SELECT 1 FROM openiddict_authorizations z WHERE z.application_id = a.id) " +
            "AND NOT EXISTS (SELECT 1 FROM openiddict_tokens t WHERE t.application_id = a.id) " +
            $"ORDER BY a.id LIMIT {PruneBatchSize})",
            parameters, cancellationToken);
    }

    public async ValueTask DeleteAsync(OidcApplication application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        var parameters = new DynamicParameters();
        var where = ConcurrencyCondition(parameters, application.Id, application.ConcurrencyToken);
        await ExecuteCheckedAsync(connections, Entity, $"DELETE FROM {Table} WHERE {where}", parameters, cancellationToken);
    }

    public async ValueTask<OidcApplication?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return (await QueryByAsync("id = @Value", identifier, cancellationToken)).FirstOrDefault();
    }

    public async ValueTask<OidcApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return (await QueryByAsync("client_id = @Value", identifier, cancellationToken)).FirstOrDefault();
    }

    public async IAsyncEnumerable<OidcApplication> FindByPostLogoutRedirectUriAsync(string uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        foreach (var application in await QueryByAsync(JsonArrayContains(_dialect, "post_logout_redirect_uris", "Value"), uri, cancellationToken))
        {
            yield return application;
        }
    }

    public async IAsyncEnumerable<OidcApplication> FindByRedirectUriAsync(string uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        foreach (var application in await QueryByAsync(JsonArrayContains(_dialect, "redirect_uris", "Value"), uri, cancellationToken))
        {
            yield return application;
        }
    }

    public async ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<OidcApplication>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query((await AllAsync(cancellationToken)).AsQueryable(), state).FirstOrDefault();
    }

    public ValueTask<OidcApplication> InstantiateAsync(CancellationToken cancellationToken) => new(new OidcApplication());

    public async IAsyncEnumerable<OidcApplication> ListAsync(int? count, int? offset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var sql = $"SELECT {Columns} FROM {Table} {OrderById(_dialect)}{Paging(_dialect, count, offset, parameters)}";
        foreach (var row in await QueryAsync<Row>(connections, sql, parameters, cancellationToken))
        {
            yield return row.ToEntity();
        }
    }

    public async IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<OidcApplication>, TState, IQueryable<TResult>> query, TState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        foreach (var result in query((await AllAsync(cancellationToken)).AsQueryable(), state))
        {
            yield return result;
        }
    }

    public async ValueTask UpdateAsync(OidcApplication application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        var parameters = Parameters(application);
        var where = ConcurrencyCondition(parameters, application.Id, application.ConcurrencyToken);
        var fresh = Guid.NewGuid().ToString();
        parameters.AddText("NewToken", fresh);
        await ExecuteCheckedAsync(connections, Entity,
            $"UPDATE {Table} SET concurrency_token = @NewToken, application_type = @ApplicationType, client_id = @ClientId, " +
            "client_secret = @ClientSecret, client_type = @ClientType, consent_type = @ConsentType, display_name = @DisplayName, " +
            "display_names = @DisplayNames, json_web_key_set = @JsonWebKeySet, permissions = @Permissions, " +
            "post_logout_redirect_uris = @PostLogoutRedirectUris, properties = @Properties, redirect_uris = @RedirectUris, " +
            $"requirements = @Requirements, settings = @Settings WHERE {where}",
            parameters, cancellationToken);
        application.ConcurrencyToken = fresh;
    }

    // ---- entity accessors ----

    public ValueTask<string?> GetApplicationTypeAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).ApplicationType);

    public ValueTask<string?> GetClientIdAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).ClientId);

    public ValueTask<string?> GetClientSecretAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).ClientSecret);

    public ValueTask<string?> GetClientTypeAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).ClientType);

    public ValueTask<string?> GetConsentTypeAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).ConsentType);

    public ValueTask<string?> GetDisplayNameAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).DisplayName);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Check(application).DisplayNames ?? ImmutableDictionary<CultureInfo, string>.Empty);

    public ValueTask<string?> GetIdAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).Id);

    public ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).JsonWebKeySet);

    public ValueTask<ImmutableArray<string>> GetPermissionsAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).Permissions.OrEmpty());

    public ValueTask<ImmutableArray<string>> GetPostLogoutRedirectUrisAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Check(application).PostLogoutRedirectUris.OrEmpty());

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Check(application).Properties ?? ImmutableDictionary<string, JsonElement>.Empty);

    public ValueTask<ImmutableArray<string>> GetRedirectUrisAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).RedirectUris.OrEmpty());

    public ValueTask<ImmutableArray<string>> GetRequirementsAsync(OidcApplication application, CancellationToken cancellationToken) => new(Check(application).Requirements.OrEmpty());

    public ValueTask<ImmutableDictionary<string, string>> GetSettingsAsync(OidcApplication application, CancellationToken cancellationToken) =>
        new(Check(application).Settings ?? ImmutableDictionary<string, string>.Empty);

    public ValueTask SetApplicationTypeAsync(OidcApplication application, string? type, CancellationToken cancellationToken)
    {
        Check(application).ApplicationType = type;
        return default;
    }

    public ValueTask SetClientIdAsync(OidcApplication application, string? identifier, CancellationToken cancellationToken)
    {
        Check(application).ClientId = identifier;
        return default;
    }

    public ValueTask SetClientSecretAsync(OidcApplication application, string? secret, CancellationToken cancellationToken)
    {
        Check(application).ClientSecret = secret;
        return default;
    }

    public ValueTask SetClientTypeAsync(OidcApplication application, string? type, CancellationToken cancellationToken)
    {
        Check(application).ClientType = type;
        return default;
    }

    public ValueTask SetConsentTypeAsync(OidcApplication application, string? type, CancellationToken cancellationToken)
    {
        Check(application).ConsentType = type;
        return default;
    }

    public ValueTask SetDisplayNameAsync(OidcApplication application, string? name, CancellationToken cancellationToken)
    {
        Check(application).DisplayName = name;
        return default;
    }

    public ValueTask SetDisplayNamesAsync(OidcApplication application, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken)
    {
        Check(application).DisplayNames = names ?? ImmutableDictionary<CultureInfo, string>.Empty;
        return default;
    }

    public ValueTask SetJsonWebKeySetAsync(OidcApplication application, JsonWebKeySet? set, CancellationToken cancellationToken)
    {
        Check(application).JsonWebKeySet = set;
        return default;
    }

    public ValueTask SetPermissionsAsync(OidcApplication application, ImmutableArray<string> permissions, CancellationToken cancellationToken)
    {
        Check(application).Permissions = permissions.OrEmpty();
        return default;
    }

    public ValueTask SetPostLogoutRedirectUrisAsync(OidcApplication application, ImmutableArray<string> uris, CancellationToken cancellationToken)
    {
        Check(application).PostLogoutRedirectUris = uris.OrEmpty();
        return default;
    }

    public ValueTask SetPropertiesAsync(OidcApplication application, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken)
    {
        Check(application).Properties = properties ?? ImmutableDictionary<string, JsonElement>.Empty;
        return default;
    }

    public ValueTask SetRedirectUrisAsync(OidcApplication application, ImmutableArray<string> uris, CancellationToken cancellationToken)
    {
        Check(application).RedirectUris = uris.OrEmpty();
        return default;
    }

    public ValueTask SetRequirementsAsync(OidcApplication application, ImmutableArray<string> requirements, CancellationToken cancellationToken)
    {
        Check(application).Requirements = requirements.OrEmpty();
        return default;
    }

    public ValueTask SetSettingsAsync(OidcApplication application, ImmutableDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        Check(application).Settings = settings ?? ImmutableDictionary<string, string>.Empty;
        return default;
    }

    // ---- SQL ----

    private static OidcApplication Check(OidcApplication application) => application ?? throw new ArgumentNullException(nameof(application));

    private async Task<List<OidcApplication>> QueryByAsync(string condition, string value, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Value", value);
        var rows = await QueryAsync<Row>(connections, $"SELECT {Columns} FROM {Table} WHERE {condition} {OrderById(_dialect)}", parameters, cancellationToken);
        return rows.ConvertAll(row => row.ToEntity());
    }

    private async Task<List<OidcApplication>> AllAsync(CancellationToken cancellationToken)
    {
        var rows = await QueryAsync<Row>(connections, $"SELECT {Columns} FROM {Table} {OrderById(_dialect)}", null, cancellationToken);
        return rows.ConvertAll(row => row.ToEntity());
    }

    private static DynamicParameters Parameters(OidcApplication application)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("ApplicationType", application.ApplicationType);
        parameters.AddText("ClientId", application.ClientId);
        parameters.AddText("ClientSecret", application.ClientSecret);
        parameters.AddText("ClientType", application.ClientType);
        parameters.AddText("ConsentType", application.ConsentType);
        parameters.AddText("DisplayName", application.DisplayName);
        parameters.AddJson("DisplayNames", CulturesToJson(application.DisplayNames));
        parameters.AddJson("JsonWebKeySet", KeySetToJson(application.JsonWebKeySet));
        parameters.AddJson("Permissions", ArrayToJson(application.Permissions));
        parameters.AddJson("PostLogoutRedirectUris", ArrayToJson(application.PostLogoutRedirectUris));
        parameters.AddJson("Properties", PropertiesToJson(application.Properties));
        parameters.AddJson("RedirectUris", ArrayToJson(application.RedirectUris));
        parameters.AddJson("Requirements", ArrayToJson(application.Requirements));
        parameters.AddJson("Settings", SettingsToJson(application.Settings));
        return parameters;
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";

        public string? ConcurrencyToken { get; set; }

        public string? ApplicationType { get; set; }

        public string? ClientId { get; set; }

        public string? ClientSecret { get; set; }

        public string? ClientType { get; set; }

        public string? ConsentType { get; set; }

        public string? DisplayName { get; set; }

        public string? DisplayNames { get; set; }

        public string? JsonWebKeySet { get; set; }

        public string? Permissions { get; set; }

        public string? PostLogoutRedirectUris { get; set; }

        public string? Properties { get; set; }

        public string? RedirectUris { get; set; }

        public string? Requirements { get; set; }

        public string? Settings { get; set; }

        public OidcApplication ToEntity() => new()
        {
            Id = Id,
            ConcurrencyToken = ConcurrencyToken,
            ApplicationType = ApplicationType,
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            ClientType = ClientType,
            ConsentType = ConsentType,
            DisplayName = DisplayName,
            DisplayNames = CulturesFromJson(DisplayNames),
            JsonWebKeySet = KeySetFromJson(JsonWebKeySet),
            Permissions = ArrayFromJson(Permissions),
            PostLogoutRedirectUris = ArrayFromJson(PostLogoutRedirectUris),
            Properties = PropertiesFromJson(Properties),
            RedirectUris = ArrayFromJson(RedirectUris),
            Requirements = ArrayFromJson(Requirements),
            Settings = SettingsFromJson(Settings),
        };
    }
}
