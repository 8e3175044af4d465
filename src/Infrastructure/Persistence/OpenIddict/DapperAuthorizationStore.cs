using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Dapper;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using static OneMcp.Infrastructure.Persistence.OpenIddict.OidcStoreSupport;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// OpenIddict's authorization store on Dapper (<c>openiddict_authorizations</c>, SQLite and PostgreSQL); what it shares
/// with the token store is <see cref="DapperEntryStore{TEntry}"/>. Deleting an authorization removes its tokens
/// (ON DELETE CASCADE).
/// </summary>
public sealed class DapperAuthorizationStore(IDbConnectionFactory connections, OAuthStoreChanges? changes = null)
    : DapperEntryStore<OidcAuthorization>(connections, changes, "authorization", Table, Columns), IOpenIddictAuthorizationStore<OidcAuthorization>
{
    private const string Table = "openiddict_authorizations";
    private const string Columns =
        "id AS Id, concurrency_token AS ConcurrencyToken, application_id AS ApplicationId, creation_date AS CreationDate, " +
        "properties AS Properties, scopes AS Scopes, status AS Status, subject AS Subject, type AS Type";

    protected override string UpdatedColumns =>
        "application_id = @ApplicationId, creation_date = @CreationDate, properties = @Properties, scopes = @Scopes, status = @Status, " +
        "subject = @Subject, type = @Type";

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
            var everAuthorized = Dialect == SqlDialect.Postgres ? "true" : "1";
            var application = new DynamicParameters();
            application.AddText("ApplicationId", authorization.ApplicationId);
            await ExecuteAsync(Connections,
                $"UPDATE openiddict_applications SET ever_authorized = {everAuthorized} WHERE id = @ApplicationId AND ever_authorized <> {everAuthorized}",
                application, cancellationToken);
        }

        await ExecuteAsync(Connections,
            $"INSERT INTO {Table} (id, concurrency_token, application_id, creation_date, properties, scopes, status, subject, type) " +
            "VALUES (@Id, @NewToken, @ApplicationId, @CreationDate, @Properties, @Scopes, @Status, @Subject, @Type)",
            parameters, cancellationToken);
    }

    public async IAsyncEnumerable<OidcAuthorization> FindAsync(
        string? subject, string? client, string? status, string? type, ImmutableArray<string>? scopes,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var entries = await ReadWhereAsync(Filters(parameters, subject, client, status, type), parameters, cancellationToken);

        // Like OpenIddict's EF store, the scope subset test runs on the loaded rows (the rows are already narrowed).
        var required = scopes is { IsDefault: false } s ? s : (ImmutableArray<string>?)null;
        foreach (var authorization in entries)
        {
            if (required is null || authorization.Scopes.ToHashSet(StringComparer.Ordinal).IsSupersetOf(required.Value))
            {
                yield return authorization;
            }
        }
    }

    /// <summary>
    /// OpenIddict's EF rule: created before <paramref name="threshold"/> and either not valid, or ad-hoc with no
    /// token left. Their tokens go with them (cascade); prune tokens first so that ad-hoc ones become eligible.
    /// Returns the number of authorizations removed.
    /// </summary>
    public async ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        await using var changed = OAuthStoreChanges.After(Changes);
        var parameters = new DynamicParameters();
        parameters.AddTime(Dialect, "Threshold", threshold);
        parameters.AddText("Valid", OpenIddictConstants.Statuses.Valid);
        parameters.AddText("AdHoc", OpenIddictConstants.AuthorizationTypes.AdHoc);
        return await DeleteInBatchesAsync(Connections,
            $"DELETE FROM {Table} WHERE id IN (SELECT a.id FROM {Table} a WHERE a.creation_date < @Threshold AND (" +
            "a.status IS NULL OR a.status <> @Valid OR " +
            "(a.type = @AdHoc AND NOT EXISTS (SELECT 1 FROM openiddict_tokens t WHERE t.authorization_id = a.id))) " +
            $"ORDER BY a.id LIMIT {PruneBatchSize})",
            parameters, cancellationToken);
    }

    // ---- entity accessors (the others are the base's) ----

    public ValueTask<ImmutableArray<string>> GetScopesAsync(OidcAuthorization authorization, CancellationToken cancellationToken) => new(Check(authorization).Scopes.OrEmpty());

    public ValueTask SetScopesAsync(OidcAuthorization authorization, ImmutableArray<string> scopes, CancellationToken cancellationToken)
    {
        Check(authorization).Scopes = scopes.OrEmpty();
        return default;
    }

    // ---- SQL ----

    protected override async Task<IEnumerable<OidcAuthorization>> ReadAsync(string sql, DynamicParameters parameters, CancellationToken cancellationToken) =>
        (await QueryAsync<Row>(Connections, sql, parameters, cancellationToken)).Select(row => row.ToEntity());

    protected override void AddOwnParameters(DynamicParameters parameters, OidcAuthorization entry) =>
        parameters.AddJson("Scopes", ArrayToJson(entry.Scopes));

    private sealed class Row : EntryRow
    {
        public string? Scopes { get; set; }

        public OidcAuthorization ToEntity() => Fill(new OidcAuthorization { Scopes = ArrayFromJson(Scopes) });
    }
}
