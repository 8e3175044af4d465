using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapper;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using static OneMcp.Infrastructure.Persistence.OpenIddict.OidcStoreSupport;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// OpenIddict's authorization store on Dapper (<c>openiddict_authorizations</c>, SQLite and PostgreSQL).
/// Deleting an authorization removes its tokens (ON DELETE CASCADE). The <see cref="IQueryable"/> overloads throw
/// <see cref="NotSupportedException"/>: Dapper has no LINQ provider and the table grows with every sign-in, so
/// evaluating them in memory would read the whole table; OpenIddict's own pipeline never calls them.
/// </summary>
public sealed class DapperAuthorizationStore(IDbConnectionFactory connections, OAuthStoreChanges? changes = null) : IOpenIddictAuthorizationStore<OidcAuthorization>
{
    private const string Entity = "authorization";
    private const string Table = "openiddict_authorizations";
    private const string Columns =
        "id AS Id, concurrency_token AS ConcurrencyToken, application_id AS ApplicationId, creation_date AS CreationDate, " +
        "properties AS Properties, scopes AS Scopes, status AS Status, subject AS Subject, type AS Type";

    private readonly SqlDialect _dialect = connections.Dialect;

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(OidcStoreSupport.CountAsync(connections, Table, cancellationToken));

    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OidcAuthorization>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        throw QueryableNotSupported("authorizations");

    public async ValueTask CreateAsync(OidcAuthorization authorization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        if (string.IsNullOrEmpty(authorization.Id))
        {
            authorization.Id = Guid.NewGuid().ToString();
        }

        authorization.ConcurrencyToken ??= Guid.NewGuid().ToString();
        var parameters = Parameters(authorization);
        parameters.AddText("Id", authorization.Id);
        parameters.AddText("NewToken", authorization.ConcurrencyToken);
        if (authorization.ApplicationId is not null)
        {
            // Before the insert: the client is marked as used even if the insert then fails, never the other way round,
            // so pruning never takes a client that holds (or held) an authorization for one that never did.
            var everAuthorized = _dialect == SqlDialect.Postgres ? "true" : "1";
            var application = new DynamicParameters();
            application.AddText("ApplicationId", authorization.ApplicationId);
            await ExecuteAsync(connections,
                $"UPDATE openiddict_applications SET ever_authorized = {everAuthorized} WHERE id = @ApplicationId AND ever_authorized <> {everAuthorized}",
                application, cancellationToken);
        }

        await ExecuteAsync(connections,
            $"INSERT INTO {Table} (id, concurrency_token, application_id, creation_date, properties, scopes, status, subject, type) " +
            "VALUES (@Id, @NewToken, @ApplicationId, @CreationDate, @Properties, @Scopes, @Status, @Subject, @Type)",
            parameters, cancellationToken);
    }

    public async ValueTask DeleteAsync(OidcAuthorization authorization, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentNullException.ThrowIfNull(authorization);
        var parameters = new DynamicParameters();
        var where = ConcurrencyCondition(parameters, authorization.Id, authorization.ConcurrencyToken);
        await ExecuteCheckedAsync(connections, Entity, $"DELETE FROM {Table} WHERE {where}", parameters, cancellationToken);
    }

    public async IAsyncEnumerable<OidcAuthorization> FindAsync(
        string? subject, string? client, string? status, string? type, ImmutableArray<string>? scopes,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var conditions = new List<string>();
        AddFilter(conditions, parameters, "subject", "Subject", subject);
        AddFilter(conditions, parameters, "application_id", "Client", client);
        AddFilter(conditions, parameters, "status", "Status", status);
        AddFilter(conditions, parameters, "type", "Type", type);
        var rows = await QueryAsync<Row>(connections, $"SELECT {Columns} FROM {Table}{Where(conditions)} {OrderById(_dialect)}", parameters, cancellationToken);

        // Like OpenIddict's EF store, the scope subset test runs on the loaded rows (the rows are already narrowed).
        var required = scopes is { IsDefault: false } s ? s : (ImmutableArray<string>?)null;
        foreach (var row in rows)
        {
            var authorization = row.ToEntity();
            if (required is null || authorization.Scopes.ToHashSet(StringComparer.Ordinal).IsSupersetOf(required.Value))
            {
                yield return authorization;
            }
        }
    }

    public IAsyncEnumerable<OidcAuthorization> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return QueryByAsync("application_id = @Value", identifier, cancellationToken);
    }

    public async ValueTask<OidcAuthorization?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        await foreach (var authorization in QueryByAsync("id = @Value", identifier, cancellationToken))
        {
            return authorization;
        }

        return null;
    }

    public IAsyncEnumerable<OidcAuthorization> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return QueryByAsync("subject = @Value", subject, cancellationToken);
    }

    public ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<OidcAuthorization>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw QueryableNotSupported("authorizations");

    public ValueTask<OidcAuthorization> InstantiateAsync(CancellationToken cancellationToken) => new(new OidcAuthorization());

    public async IAsyncEnumerable<OidcAuthorization> ListAsync(int? count, int? offset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var sql = $"SELECT {Columns} FROM {Table} {OrderById(_dialect)}{Paging(_dialect, count, offset, parameters)}";
        foreach (var row in await QueryAsync<Row>(connections, sql, parameters, cancellationToken))
        {
            yield return row.ToEntity();
        }
    }

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<OidcAuthorization>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw QueryableNotSupported("authorizations");

    /// <summary>
    /// OpenIddict's EF rule: created before <paramref name="threshold"/> and either not valid, or ad-hoc with no
    /// token left. Their tokens go with them (cascade); prune tokens first so that ad-hoc ones become eligible.
    /// Returns the number of authorizations removed.
    /// </summary>
    public async ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        var parameters = new DynamicParameters();
        parameters.AddTime(_dialect, "Threshold", threshold);
        parameters.AddText("Valid", OpenIddictConstants.Statuses.Valid);
        parameters.AddText("AdHoc", OpenIddictConstants.AuthorizationTypes.AdHoc);
        return await DeleteInBatchesAsync(connections,
            $"DELETE FROM {Table} WHERE id IN (SELECT a.id FROM {Table} a WHERE a.creation_date < @Threshold AND (" +
            "a.status IS NULL OR a.status <> @Valid OR " +
            "(a.type = @AdHoc AND NOT EXISTS (SELECT 1 FROM openiddict_tokens t WHERE t.authorization_id = a.id))) " +
            $"ORDER BY a.id LIMIT {PruneBatchSize})",
            parameters, cancellationToken);
    }

    public async ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        var parameters = new DynamicParameters();
        var conditions = new List<string>();
        AddFilter(conditions, parameters, "subject", "Subject", subject);
        AddFilter(conditions, parameters, "application_id", "Client", client);
        AddFilter(conditions, parameters, "status", "Status", status);
        AddFilter(conditions, parameters, "type", "Type", type);
        return await RevokeWhereAsync(conditions, parameters, cancellationToken);
    }

    public async ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return await RevokeAsync(null, identifier, null, null, cancellationToken);
    }

    public async ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return await RevokeAsync(subject, null, null, null, cancellationToken);
    }

    public async ValueTask UpdateAsync(OidcAuthorization authorization, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentNullException.ThrowIfNull(authorization);
        var parameters = Parameters(authorization);
        var where = ConcurrencyCondition(parameters, authorization.Id, authorization.ConcurrencyToken);
        var fresh = Guid.NewGuid().ToString();
        parameters.AddText("NewToken", fresh);
        await ExecuteCheckedAsync(connections, Entity,
            $"UPDATE {Table} SET concurrency_token = @NewToken, application_id = @ApplicationId, creation_date = @CreationDate, " +
            $"properties = @Properties, scopes = @Scopes, status = @Status, subject = @Subject, type = @Type WHERE {where}",
            parameters, cancellationToken);
        authorization.ConcurrencyToken = fresh;
    }

    // ---- entity accessors ----

    public ValueTask<string?> GetApplicationIdAsync(OidcAuthorization authorization, CancellationToken cancellationToken) => new(Check(authorization).ApplicationId);

    public ValueTask<DateTimeOffset?> GetCreationDateAsync(OidcAuthorization authorization, CancellationToken cancellationToken) => new(Check(authorization).CreationDate);

    public ValueTask<string?> GetIdAsync(OidcAuthorization authorization, CancellationToken cancellationToken) => new(Check(authorization).Id);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OidcAuthorization authorization, CancellationToken cancellationToken) =>
        new(Check(authorization).Properties ?? ImmutableDictionary<string, JsonElement>.Empty);

    public ValueTask<ImmutableArray<string>> GetScopesAsync(OidcAuthorization authorization, CancellationToken cancellationToken) => new(Check(authorization).Scopes.OrEmpty());

    public ValueTask<string?> GetStatusAsync(OidcAuthorization authorization, CancellationToken cancellationToken) => new(Check(authorization).Status);

    public ValueTask<string?> GetSubjectAsync(OidcAuthorization authorization, CancellationToken cancellationToken) => new(Check(authorization).Subject);

    public ValueTask<string?> GetTypeAsync(OidcAuthorization authorization, CancellationToken cancellationToken) => new(Check(authorization).Type);

    public ValueTask SetApplicationIdAsync(OidcAuthorization authorization, string? identifier, CancellationToken cancellationToken)
    {
        Check(authorization).ApplicationId = string.IsNullOrEmpty(identifier) ? null : identifier;
        return default;
    }

    public ValueTask SetCreationDateAsync(OidcAuthorization authorization, DateTimeOffset? date, CancellationToken cancellationToken)
    {
        Check(authorization).CreationDate = date;
        return default;
    }

    public ValueTask SetPropertiesAsync(OidcAuthorization authorization, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken)
    {
        Check(authorization).Properties = properties ?? ImmutableDictionary<string, JsonElement>.Empty;
        return default;
    }

    public ValueTask SetScopesAsync(OidcAuthorization authorization, ImmutableArray<string> scopes, CancellationToken cancellationToken)
    {
        Check(authorization).Scopes = scopes.OrEmpty();
        return default;
    }

    public ValueTask SetStatusAsync(OidcAuthorization authorization, string? status, CancellationToken cancellationToken)
    {
        Check(authorization).Status = status;
        return default;
    }

    public ValueTask SetSubjectAsync(OidcAuthorization authorization, string? subject, CancellationToken cancellationToken)
    {
        Check(authorization).Subject = subject;
        return default;
    }

    public ValueTask SetTypeAsync(OidcAuthorization authorization, string? type, CancellationToken cancellationToken)
    {
        Check(authorization).Type = type;
        return default;
    }

    // ---- SQL ----

    private static OidcAuthorization Check(OidcAuthorization authorization) => authorization ?? throw new ArgumentNullException(nameof(authorization));

    private async IAsyncEnumerable<OidcAuthorization> QueryByAsync(string condition, string value, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Value", value);
        foreach (var row in await QueryAsync<Row>(connections, $"SELECT {Columns} FROM {Table} WHERE {condition} {OrderById(_dialect)}", parameters, cancellationToken))
        {
            yield return row.ToEntity();
        }
    }

    /// <summary>Marks the matching authorizations revoked and gives each a fresh concurrency token; returns how many matched.</summary>
    private async Task<long> RevokeWhereAsync(List<string> conditions, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        parameters.AddText("Revoked", OpenIddictConstants.Statuses.Revoked);
        return await ExecuteAsync(connections,
            $"UPDATE {Table} SET status = @Revoked, concurrency_token = {NewTokenSql(_dialect)}{Where(conditions)}",
            parameters, cancellationToken);
    }

    private DynamicParameters Parameters(OidcAuthorization authorization)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("ApplicationId", authorization.ApplicationId);
        parameters.AddTime(_dialect, "CreationDate", authorization.CreationDate);
        parameters.AddJson("Properties", PropertiesToJson(authorization.Properties));
        parameters.AddJson("Scopes", ArrayToJson(authorization.Scopes));
        parameters.AddText("Status", authorization.Status);
        parameters.AddText("Subject", authorization.Subject);
        parameters.AddText("Type", authorization.Type);
        return parameters;
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";

        public string? ConcurrencyToken { get; set; }

        public string? ApplicationId { get; set; }

        public object? CreationDate { get; set; }

        public string? Properties { get; set; }

        public string? Scopes { get; set; }

        public string? Status { get; set; }

        public string? Subject { get; set; }

        public string? Type { get; set; }

        public OidcAuthorization ToEntity() => new()
        {
            Id = Id,
            ConcurrencyToken = ConcurrencyToken,
            ApplicationId = ApplicationId,
            CreationDate = DbValues.ReadNullableTime(CreationDate),
            Properties = PropertiesFromJson(Properties),
            Scopes = ArrayFromJson(Scopes),
            Status = Status,
            Subject = Subject,
            Type = Type,
        };
    }
}
