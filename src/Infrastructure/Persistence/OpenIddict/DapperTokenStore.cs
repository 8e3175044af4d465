using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dapper;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using static OneMcp.Infrastructure.Persistence.OpenIddict.OidcStoreSupport;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// OpenIddict's token store on Dapper (<c>openiddict_tokens</c>, SQLite and PostgreSQL).
/// <para>
/// <see cref="UpdateAsync"/> only writes when the row still has the concurrency token the entity was loaded with,
/// so of several requests redeeming the same authorization code or refresh token exactly one succeeds; the others
/// get <see cref="OpenIddictExceptions.ConcurrencyException"/>, which OpenIddict turns into <c>invalid_grant</c>.
/// </para>
/// <para>
/// The <see cref="IQueryable"/> overloads throw <see cref="NotSupportedException"/>: Dapper has no LINQ provider and
/// the table grows with every token issued, so evaluating them in memory would read the whole table; OpenIddict's
/// own pipeline never calls them. Payloads and reference ids are secrets and are never logged.
/// </para>
/// </summary>
public sealed class DapperTokenStore(IDbConnectionFactory connections, OAuthStoreChanges? changes = null, TimeProvider? time = null)
    : IOpenIddictTokenStore<OidcToken>
{
    private const string Entity = "token";
    private const string Table = "openiddict_tokens";
    private const string Columns =
        "id AS Id, concurrency_token AS ConcurrencyToken, application_id AS ApplicationId, authorization_id AS AuthorizationId, " +
        "creation_date AS CreationDate, expiration_date AS ExpirationDate, payload AS Payload, properties AS Properties, " +
        "redemption_date AS RedemptionDate, reference_id AS ReferenceId, status AS Status, subject AS Subject, type AS Type";

    private readonly SqlDialect _dialect = connections.Dialect;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(OidcStoreSupport.CountAsync(connections, Table, cancellationToken));

    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<OidcToken>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        throw QueryableNotSupported("tokens");

    public async ValueTask CreateAsync(OidcToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (string.IsNullOrEmpty(token.Id))
        {
            token.Id = Guid.NewGuid().ToString();
        }

        token.ConcurrencyToken ??= Guid.NewGuid().ToString();
        var parameters = Parameters(token);
        parameters.AddText("Id", token.Id);
        parameters.AddText("NewToken", token.ConcurrencyToken);
        await ExecuteAsync(connections,
            $"INSERT INTO {Table} (id, concurrency_token, application_id, authorization_id, creation_date, expiration_date, payload, " +
            "properties, redemption_date, reference_id, status, subject, type) " +
            "VALUES (@Id, @NewToken, @ApplicationId, @AuthorizationId, @CreationDate, @ExpirationDate, @Payload, " +
            "@Properties, @RedemptionDate, @ReferenceId, @Status, @Subject, @Type)",
            parameters, cancellationToken);
    }

    public async ValueTask DeleteAsync(OidcToken token, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentNullException.ThrowIfNull(token);
        var parameters = new DynamicParameters();
        var where = ConcurrencyCondition(parameters, token.Id, token.ConcurrencyToken);
        await ExecuteCheckedAsync(connections, Entity, $"DELETE FROM {Table} WHERE {where}", parameters, cancellationToken);
    }

    public async IAsyncEnumerable<OidcToken> FindAsync(
        string? subject, string? client, string? status, string? type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var conditions = Filters(parameters, subject, client, status, type);
        foreach (var row in await QueryAsync<Row>(connections, $"SELECT {Columns} FROM {Table}{Where(conditions)} {OrderById(_dialect)}", parameters, cancellationToken))
        {
            yield return row.ToEntity();
        }
    }

    public IAsyncEnumerable<OidcToken> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return QueryByAsync("application_id = @Value", identifier, cancellationToken);
    }

    public IAsyncEnumerable<OidcToken> FindByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return QueryByAsync("authorization_id = @Value", identifier, cancellationToken);
    }

    public async ValueTask<OidcToken?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return await FirstAsync(QueryByAsync("id = @Value", identifier, cancellationToken));
    }

    public async ValueTask<OidcToken?> FindByReferenceIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return await FirstAsync(QueryByAsync("reference_id = @Value", identifier, cancellationToken));
    }

    public IAsyncEnumerable<OidcToken> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return QueryByAsync("subject = @Value", subject, cancellationToken);
    }

    public ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<OidcToken>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw QueryableNotSupported("tokens");

    public ValueTask<OidcToken> InstantiateAsync(CancellationToken cancellationToken) => new(new OidcToken());

    public async IAsyncEnumerable<OidcToken> ListAsync(int? count, int? offset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var sql = $"SELECT {Columns} FROM {Table} {OrderById(_dialect)}{Paging(_dialect, count, offset, parameters)}";
        foreach (var row in await QueryAsync<Row>(connections, sql, parameters, cancellationToken))
        {
            yield return row.ToEntity();
        }
    }

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<OidcToken>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw QueryableNotSupported("tokens");

    /// <summary>
    /// OpenIddict's EF rule: created before <paramref name="threshold"/> and either not inactive/valid, or attached to
    /// an authorization that is no longer valid, or expired (now). Returns the number of tokens removed.
    /// </summary>
    public async ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        var parameters = new DynamicParameters();
        parameters.AddTime(_dialect, "Threshold", threshold);
        parameters.AddTime(_dialect, "Now", _time.GetUtcNow());
        parameters.AddText("Inactive", OpenIddictConstants.Statuses.Inactive);
        parameters.AddText("Valid", OpenIddictConstants.Statuses.Valid);
        return await DeleteInBatchesAsync(connections,
            $"DELETE FROM {Table} WHERE id IN (SELECT t.id FROM {Table} t " +
            "LEFT JOIN openiddict_authorizations a ON a.id = t.authorization_id " +
            "WHERE t.creation_date < @Threshold AND (" +
            "t.status IS NULL OR t.status NOT IN (@Inactive, @Valid) OR " +
            "(a.id IS NOT NULL AND (a.status IS NULL OR a.status <> @Valid)) OR " +
            $"t.expiration_date < @Now) ORDER BY t.id LIMIT {PruneBatchSize})",
            parameters, cancellationToken);
    }

    public async ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        var parameters = new DynamicParameters();
        return await RevokeWhereAsync(Filters(parameters, subject, client, status, type), parameters, cancellationToken);
    }

    public async ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return await RevokeAsync(null, identifier, null, null, cancellationToken);
    }

    public async ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        var parameters = new DynamicParameters();
        parameters.AddText("AuthorizationId", identifier);
        return await RevokeWhereAsync(["authorization_id = @AuthorizationId"], parameters, cancellationToken);
    }

    public async ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return await RevokeAsync(subject, null, null, null, cancellationToken);
    }

    public async ValueTask UpdateAsync(OidcToken token, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(changes);
        ArgumentNullException.ThrowIfNull(token);
        var parameters = Parameters(token);
        var where = ConcurrencyCondition(parameters, token.Id, token.ConcurrencyToken);
        var fresh = Guid.NewGuid().ToString();
        parameters.AddText("NewToken", fresh);
        await ExecuteCheckedAsync(connections, Entity,
            $"UPDATE {Table} SET concurrency_token = @NewToken, application_id = @ApplicationId, authorization_id = @AuthorizationId, " +
            "creation_date = @CreationDate, expiration_date = @ExpirationDate, payload = @Payload, properties = @Properties, " +
            $"redemption_date = @RedemptionDate, reference_id = @ReferenceId, status = @Status, subject = @Subject, type = @Type WHERE {where}",
            parameters, cancellationToken);
        token.ConcurrencyToken = fresh;
    }

    // ---- entity accessors ----

    public ValueTask<string?> GetApplicationIdAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).ApplicationId);

    public ValueTask<string?> GetAuthorizationIdAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).AuthorizationId);

    public ValueTask<DateTimeOffset?> GetCreationDateAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).CreationDate);

    public ValueTask<DateTimeOffset?> GetExpirationDateAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).ExpirationDate);

    public ValueTask<string?> GetIdAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).Id);

    public ValueTask<string?> GetPayloadAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).Payload);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(OidcToken token, CancellationToken cancellationToken) =>
        new(Check(token).Properties ?? ImmutableDictionary<string, JsonElement>.Empty);

    public ValueTask<DateTimeOffset?> GetRedemptionDateAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).RedemptionDate);

    public ValueTask<string?> GetReferenceIdAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).ReferenceId);

    public ValueTask<string?> GetStatusAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).Status);

    public ValueTask<string?> GetSubjectAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).Subject);

    public ValueTask<string?> GetTypeAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).Type);

    public ValueTask SetApplicationIdAsync(OidcToken token, string? identifier, CancellationToken cancellationToken)
    {
        Check(token).ApplicationId = string.IsNullOrEmpty(identifier) ? null : identifier;
        return default;
    }

    public ValueTask SetAuthorizationIdAsync(OidcToken token, string? identifier, CancellationToken cancellationToken)
    {
        Check(token).AuthorizationId = string.IsNullOrEmpty(identifier) ? null : identifier;
        return default;
    }

    public ValueTask SetCreationDateAsync(OidcToken token, DateTimeOffset? date, CancellationToken cancellationToken)
    {
        Check(token).CreationDate = date;
        return default;
    }

    public ValueTask SetExpirationDateAsync(OidcToken token, DateTimeOffset? date, CancellationToken cancellationToken)
    {
        Check(token).ExpirationDate = date;
        return default;
    }

    public ValueTask SetPayloadAsync(OidcToken token, string? payload, CancellationToken cancellationToken)
    {
        Check(token).Payload = payload;
        return default;
    }

    public ValueTask SetPropertiesAsync(OidcToken token, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken)
    {
        Check(token).Properties = properties ?? ImmutableDictionary<string, JsonElement>.Empty;
        return default;
    }

    public ValueTask SetRedemptionDateAsync(OidcToken token, DateTimeOffset? date, CancellationToken cancellationToken)
    {
        Check(token).RedemptionDate = date;
        return default;
    }

    public ValueTask SetReferenceIdAsync(OidcToken token, string? identifier, CancellationToken cancellationToken)
    {
        Check(token).ReferenceId = identifier;
        return default;
    }

    public ValueTask SetStatusAsync(OidcToken token, string? status, CancellationToken cancellationToken)
    {
        Check(token).Status = status;
        return default;
    }

    public ValueTask SetSubjectAsync(OidcToken token, string? subject, CancellationToken cancellationToken)
    {
        Check(token).Subject = subject;
        return default;
    }

    public ValueTask SetTypeAsync(OidcToken token, string? type, CancellationToken cancellationToken)
    {
        Check(token).Type = type;
        return default;
    }

    // ---- SQL ----

    private static OidcToken Check(OidcToken token) => token ?? throw new ArgumentNullException(nameof(token));

    private static async ValueTask<OidcToken?> FirstAsync(IAsyncEnumerable<OidcToken> tokens)
    {
        await foreach (var token in tokens)
        {
            return token;
        }

        return null;
    }

    private static List<string> Filters(DynamicParameters parameters, string? subject, string? client, string? status, string? type)
    {
        var conditions = new List<string>();
        AddFilter(conditions, parameters, "subject", "Subject", subject);
        AddFilter(conditions, parameters, "application_id", "Client", client);
        AddFilter(conditions, parameters, "status", "Status", status);
        AddFilter(conditions, parameters, "type", "Type", type);
        return conditions;
    }

    private async IAsyncEnumerable<OidcToken> QueryByAsync(string condition, string value, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Value", value);
        foreach (var row in await QueryAsync<Row>(connections, $"SELECT {Columns} FROM {Table} WHERE {condition} {OrderById(_dialect)}", parameters, cancellationToken))
        {
            yield return row.ToEntity();
        }
    }

    /// <summary>Marks the matching tokens revoked and gives each a fresh concurrency token; returns how many matched.</summary>
    private async Task<long> RevokeWhereAsync(List<string> conditions, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        parameters.AddText("Revoked", OpenIddictConstants.Statuses.Revoked);
        return await ExecuteAsync(connections,
            $"UPDATE {Table} SET status = @Revoked, concurrency_token = {NewTokenSql(_dialect)}{Where(conditions)}",
            parameters, cancellationToken);
    }

    private DynamicParameters Parameters(OidcToken token)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("ApplicationId", token.ApplicationId);
        parameters.AddText("AuthorizationId", token.AuthorizationId);
        parameters.AddTime(_dialect, "CreationDate", token.CreationDate);
        parameters.AddTime(_dialect, "ExpirationDate", token.ExpirationDate);
        parameters.AddText("Payload", token.Payload);
        parameters.AddJson("Properties", PropertiesToJson(token.Properties));
        parameters.AddTime(_dialect, "RedemptionDate", token.RedemptionDate);
        parameters.AddText("ReferenceId", token.ReferenceId);
        parameters.AddText("Status", token.Status);
        parameters.AddText("Subject", token.Subject);
        parameters.AddText("Type", token.Type);
        return parameters;
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";

        public string? ConcurrencyToken { get; set; }

        public string? ApplicationId { get; set; }

        public string? AuthorizationId { get; set; }

        public object? CreationDate { get; set; }

        public object? ExpirationDate { get; set; }

        public string? Payload { get; set; }

        public string? Properties { get; set; }

        public object? RedemptionDate { get; set; }

        public string? ReferenceId { get; set; }

        public string? Status { get; set; }

        public string? Subject { get; set; }

        public string? Type { get; set; }

        public OidcToken ToEntity() => new()
        {
            Id = Id,
            ConcurrencyToken = ConcurrencyToken,
            ApplicationId = ApplicationId,
            AuthorizationId = AuthorizationId,
            CreationDate = DbValues.ReadNullableTime(CreationDate),
            ExpirationDate = DbValues.ReadNullableTime(ExpirationDate),
            Payload = Payload,
            Properties = PropertiesFromJson(Properties),
            RedemptionDate = DbValues.ReadNullableTime(RedemptionDate),
            ReferenceId = ReferenceId,
            Status = Status,
            Subject = Subject,
            Type = Type,
        };
    }
}
