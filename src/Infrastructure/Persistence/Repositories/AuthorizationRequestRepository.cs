using Dapper;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Common;

namespace OneMcp.Infrastructure.Persistence.Repositories;

/// <summary>
/// Authorization requests in the <c>authorization_requests</c> table. The version check in
/// <see cref="UpdateAsync"/> is what makes a request decided once when two operators click at the same time.
/// </summary>
public sealed class AuthorizationRequestRepository(IDbConnectionFactory connections) : IAuthorizationRequestRepository
{
    private const string Aggregate = "authorization request";
    private const string Columns =
        "id AS Id, kind AS Kind, status AS Status, subject AS Subject, client_id AS ClientId, client_name AS ClientName, backend_name AS BackendName, " +
        "requested_scopes AS RequestedScopes, granted_scopes AS GrantedScopes, payload AS Payload, version AS Version, " +
        "created_at AS CreatedAt, expires_at AS ExpiresAt, decided_at AS DecidedAt, decided_by AS DecidedBy, " +
        "requires_admin AS RequiresAdmin, redeemed_at AS RedeemedAt, redirect_uri AS RedirectUri";

    private readonly SqlDialect _dialect = connections.Dialect;

    public async Task<AuthorizationRequest?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", id);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM authorization_requests WHERE id = @Id", parameters, cancellationToken: cancellationToken));
        return row is null ? null : ToAggregate(row);
    }

    public async Task<IReadOnlyList<AuthorizationRequest>> ListPendingAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddTime(_dialect, "Now", now);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM authorization_requests WHERE status = 'pending' AND expires_at > @Now ORDER BY created_at, id",
            parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(ToAggregate)];
    }

    public async Task AddAsync(AuthorizationRequest request, CancellationToken cancellationToken)
    {
        var parameters = Parameters(request);
        parameters.AddText("Kind", request.Kind switch
        {
            AuthorizationRequestKind.ClientConsent => "client_consent",
            AuthorizationRequestKind.BackendConnection => "backend_connection",
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "Unknown kind."),
        });
        parameters.AddText("Subject", request.Subject);
        parameters.AddText("ClientId", (request as ClientConsentRequest)?.ClientId);
        parameters.AddText("ClientName", (request as ClientConsentRequest)?.ClientName);
        parameters.AddText("BackendName", (request as BackendConnectionRequest)?.BackendName);
        parameters.AddText("RedirectUri", (request as ClientConsentRequest)?.RedirectUri);
        parameters.AddText("RequestedScopes", DbValues.ToJson(request.RequestedScopes));
        parameters.AddTime(_dialect, "CreatedAt", request.CreatedAt);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO authorization_requests (id, kind, status, subject, client_id, client_name, backend_name, requested_scopes, granted_scopes, " +
            "payload, version, created_at, expires_at, decided_at, decided_by, requires_admin, redeemed_at, redirect_uri) VALUES (@Id, @Kind, @Status, @Subject, @ClientId, @ClientName, @BackendName, " +
            $"{DbValues.JsonParam(_dialect, "RequestedScopes")}, {DbValues.JsonParam(_dialect, "GrantedScopes")}, @Payload, @Version, @CreatedAt, @ExpiresAt, @DecidedAt, @DecidedBy, " +
            "@RequiresAdmin, @RedeemedAt, @RedirectUri)",
            parameters, cancellationToken: cancellationToken));

        request.MarkSaved();
    }

    public async Task UpdateAsync(AuthorizationRequest request, CancellationToken cancellationToken)
    {
        var parameters = Parameters(request);
        parameters.AddInt("LoadedVersion", request.LoadedVersion);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE authorization_requests SET status = @Status, granted_scopes = {DbValues.JsonParam(_dialect, "GrantedScopes")}, " +
            "decided_at = @DecidedAt, decided_by = @DecidedBy, payload = @Payload, redeemed_at = @RedeemedAt, version = @Version, " +
            // A user's "Ask an administrator" turns their own request into one for administrators, with a new lifetime.
            "requires_admin = @RequiresAdmin, expires_at = @ExpiresAt " +
            "WHERE id = @Id AND version = @LoadedVersion",
            parameters, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            throw new ConcurrencyConflictException(Aggregate, request.Id, request.Id.ToString());
        }

        request.MarkSaved();
    }

    public async Task<int> PruneAsync(DateTimeOffset threshold, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddTime(_dialect, "Threshold", threshold);
        parameters.AddTime(_dialect, "Now", now);
        parameters.AddBool("Asked", false);
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM authorization_requests WHERE " +
            "(status IN ('approved', 'denied') AND decided_at < @Threshold) OR (status IN ('pending', 'expired') AND expires_at < @Threshold) " +
            // A page that was opened and left: nobody decided, nobody asked an administrator; no retention for it.
            "OR (kind = 'client_consent' AND requires_admin = @Asked AND status IN ('pending', 'expired') AND expires_at <= @Now)",
            parameters, cancellationToken: cancellationToken));
    }

    private DynamicParameters Parameters(AuthorizationRequest request)
    {
        var parameters = new DynamicParameters();
        parameters.AddId(_dialect, "Id", request.Id);
        parameters.AddText("Status", request.Status switch
        {
            AuthorizationRequestStatus.Pending => "pending",
            AuthorizationRequestStatus.Approved => "approved",
            AuthorizationRequestStatus.Denied => "denied",
            AuthorizationRequestStatus.Expired => "expired",
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Status, "Unknown status."),
        });
        parameters.AddText("GrantedScopes", DbValues.ToJson(request.GrantedScopes));
        parameters.AddTime(_dialect, "ExpiresAt", request.ExpiresAt);
        parameters.AddTime(_dialect, "DecidedAt", request.DecidedAt);
        parameters.AddText("DecidedBy", request.DecidedBy);
        parameters.AddInt("Version", request.Version);
        // One payload column: a client request's parameters digest, or a backend request's encrypted tokens.
        parameters.AddText("Payload", request switch
        {
            ClientConsentRequest consent => consent.ParametersDigest,
            BackendConnectionRequest connection => connection.ProtectedTokens,
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "Unknown kind."),
        });
        parameters.AddBool("RequiresAdmin", request.RequiresAdministrator);
        parameters.AddTime(_dialect, "RedeemedAt", (request as ClientConsentRequest)?.RedeemedAt);
        return parameters;
    }

    private static AuthorizationRequest ToAggregate(Row row)
    {
        var status = row.Status switch
        {
            "pending" => AuthorizationRequestStatus.Pending,
            "approved" => AuthorizationRequestStatus.Approved,
            "denied" => AuthorizationRequestStatus.Denied,
            "expired" => AuthorizationRequestStatus.Expired,
            _ => throw new InvalidOperationException($"Stored authorization request {row.Id} has an unknown status '{row.Status}'."),
        };
        return row.Kind switch
        {
            "client_consent" => ClientConsentRequest.Restore(
                DbValues.ReadId(row.Id),
                status,
                row.Subject,
                row.ClientId ?? throw Missing(row, "client_id"),
                row.ClientName ?? string.Empty,
                DbValues.FromJson<string[]>(row.RequestedScopes),
                DbValues.FromJson<string[]>(row.GrantedScopes),
                row.Payload,
                DbValues.ReadInt(row.Version),
                DbValues.ReadTime(row.CreatedAt),
                DbValues.ReadTime(row.ExpiresAt),
                DbValues.ReadNullableTime(row.DecidedAt),
                row.DecidedBy,
                DbValues.ReadBool(row.RequiresAdmin),
                DbValues.ReadNullableTime(row.RedeemedAt),
                row.RedirectUri),
            "backend_connection" => BackendConnectionRequest.Restore(
                DbValues.ReadId(row.Id),
                status,
                row.Subject,
                row.BackendName ?? throw Missing(row, "backend_name"),
                DbValues.FromJson<string[]>(row.RequestedScopes),
                DbValues.FromJson<string[]>(row.GrantedScopes),
                row.Payload,
                DbValues.ReadInt(row.Version),
                DbValues.ReadTime(row.CreatedAt),
                DbValues.ReadTime(row.ExpiresAt),
                DbValues.ReadNullableTime(row.DecidedAt),
                row.DecidedBy),
            _ => throw new InvalidOperationException($"Stored authorization request {row.Id} has an unknown kind '{row.Kind}'."),
        };
    }

    private static InvalidOperationException Missing(Row row, string column) =>
        new($"Stored authorization request {row.Id} of kind '{row.Kind}' has no {column}.");

    private sealed class Row
    {
        public object Id { get; set; } = null!;

        public string Kind { get; set; } = "";

        public string Status { get; set; } = "";

        public string Subject { get; set; } = "";

        public string? ClientId { get; set; }

        public string? ClientName { get; set; }

        public string? BackendName { get; set; }

        public string RequestedScopes { get; set; } = "";

        public string GrantedScopes { get; set; } = "";

        public string Payload { get; set; } = "";

        public object Version { get; set; } = null!;

        public object CreatedAt { get; set; } = null!;

        public object ExpiresAt { get; set; } = null!;

        public object? DecidedAt { get; set; }

        public string? DecidedBy { get; set; }

        public object RequiresAdmin { get; set; } = null!;

        public object? RedeemedAt { get; set; }

        public string? RedirectUri { get; set; }
    }
}
