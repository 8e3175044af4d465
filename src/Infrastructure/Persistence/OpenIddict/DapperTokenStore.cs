using System.Runtime.CompilerServices;
using Dapper;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using static OneMcp.Infrastructure.Persistence.OpenIddict.OidcStoreSupport;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// OpenIddict's token store on Dapper (<c>openiddict_tokens</c>, SQLite and PostgreSQL); what it shares with the
/// authorization store, the concurrency-checked update among it, is <see cref="DapperEntryStore{TEntry}"/>. Payloads and
/// reference ids are secrets and are never logged.
/// </summary>
public sealed class DapperTokenStore(IDbConnectionFactory connections, OAuthStoreChanges? changes = null, TimeProvider? time = null)
    : DapperEntryStore<OidcToken>(connections, changes, "token", Table, Columns), IOpenIddictTokenStore<OidcToken>
{
    private const string Table = "openiddict_tokens";
    private const string Columns =
        "id AS Id, concurrency_token AS ConcurrencyToken, application_id AS ApplicationId, authorization_id AS AuthorizationId, " +
        "creation_date AS CreationDate, expiration_date AS ExpirationDate, payload AS Payload, properties AS Properties, " +
        "redemption_date AS RedemptionDate, reference_id AS ReferenceId, status AS Status, subject AS Subject, type AS Type";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    protected override string UpdatedColumns =>
        "application_id = @ApplicationId, authorization_id = @AuthorizationId, creation_date = @CreationDate, expiration_date = @ExpirationDate, " +
        "payload = @Payload, properties = @Properties, redemption_date = @RedemptionDate, reference_id = @ReferenceId, status = @Status, " +
        "subject = @Subject, type = @Type";

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
        await ExecuteAsync(Connections,
            $"INSERT INTO {Table} (id, concurrency_token, application_id, authorization_id, creation_date, expiration_date, payload, " +
            "properties, redemption_date, reference_id, status, subject, type) " +
            "VALUES (@Id, @NewToken, @ApplicationId, @AuthorizationId, @CreationDate, @ExpirationDate, @Payload, " +
            "@Properties, @RedemptionDate, @ReferenceId, @Status, @Subject, @Type)",
            parameters, cancellationToken);
    }

    public async IAsyncEnumerable<OidcToken> FindAsync(
        string? subject, string? client, string? status, string? type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        foreach (var token in await ReadWhereAsync(Filters(parameters, subject, client, status, type), parameters, cancellationToken))
        {
            yield return token;
        }
    }

    public IAsyncEnumerable<OidcToken> FindByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return QueryByAsync("authorization_id = @Value", identifier, cancellationToken);
    }

    public async ValueTask<OidcToken?> FindByReferenceIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return await FirstAsync(QueryByAsync("reference_id = @Value", identifier, cancellationToken));
    }

    /// <summary>
    /// OpenIddict's EF rule: created before <paramref name="threshold"/> and either not inactive/valid, or attached to
    /// an authorization that is no longer valid, or expired (now). Returns the number of tokens removed.
    /// </summary>
    public async ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(Changes);
        var parameters = new DynamicParameters();
        parameters.AddTime(Dialect, "Threshold", threshold);
        parameters.AddTime(Dialect, "Now", _time.GetUtcNow());
        parameters.AddText("Inactive", OpenIddictConstants.Statuses.Inactive);
        parameters.AddText("Valid", OpenIddictConstants.Statuses.Valid);
        return await DeleteInBatchesAsync(Connections,
            $"DELETE FROM {Table} WHERE id IN (SELECT t.id FROM {Table} t " +
            "LEFT JOIN openiddict_authorizations a ON a.id = t.authorization_id " +
            "WHERE t.creation_date < @Threshold AND (" +
            "t.status IS NULL OR t.status NOT IN (@Inactive, @Valid) OR " +
            "(a.id IS NOT NULL AND (a.status IS NULL OR a.status <> @Valid)) OR " +
            $"t.expiration_date < @Now) ORDER BY t.id LIMIT {PruneBatchSize})",
            parameters, cancellationToken);
    }

    public async ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(Changes);
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        var parameters = new DynamicParameters();
        parameters.AddText("AuthorizationId", identifier);
        return await RevokeWhereAsync(["authorization_id = @AuthorizationId"], parameters, cancellationToken);
    }

    // ---- entity accessors (the others are the base's) ----

    public ValueTask<string?> GetAuthorizationIdAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).AuthorizationId);

    public ValueTask<DateTimeOffset?> GetExpirationDateAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).ExpirationDate);

    public ValueTask<string?> GetPayloadAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).Payload);

    public ValueTask<DateTimeOffset?> GetRedemptionDateAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).RedemptionDate);

    public ValueTask<string?> GetReferenceIdAsync(OidcToken token, CancellationToken cancellationToken) => new(Check(token).ReferenceId);

    public ValueTask SetAuthorizationIdAsync(OidcToken token, string? identifier, CancellationToken cancellationToken)
    {
        Check(token).AuthorizationId = string.IsNullOrEmpty(identifier) ? null : identifier;
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

    // ---- SQL ----

    protected override async Task<IEnumerable<OidcToken>> ReadAsync(string sql, DynamicParameters parameters, CancellationToken cancellationToken) =>
        (await QueryAsync<Row>(Connections, sql, parameters, cancellationToken)).Select(row => row.ToEntity());

    protected override void AddOwnParameters(DynamicParameters parameters, OidcToken entry)
    {
        parameters.AddText("AuthorizationId", entry.AuthorizationId);
        parameters.AddTime(Dialect, "ExpirationDate", entry.ExpirationDate);
        parameters.AddText("Payload", entry.Payload);
        parameters.AddTime(Dialect, "RedemptionDate", entry.RedemptionDate);
        parameters.AddText("ReferenceId", entry.ReferenceId);
    }

    private sealed class Row : EntryRow
    {
        public string? AuthorizationId { get; set; }

        public object? ExpirationDate { get; set; }

        public string? Payload { get; set; }

        public object? RedemptionDate { get; set; }

        public string? ReferenceId { get; set; }

        public OidcToken ToEntity() => Fill(new OidcToken
        {
            AuthorizationId = AuthorizationId,
            ExpirationDate = DbValues.ReadNullableTime(ExpirationDate),
            Payload = Payload,
            RedemptionDate = DbValues.ReadNullableTime(RedemptionDate),
            ReferenceId = ReferenceId,
        });
    }
}
