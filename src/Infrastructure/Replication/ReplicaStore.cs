using Dapper;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Replication;

/// <summary>The <c>replicas</c> and <c>session_owners</c> tables on both engines (ADR 0031).</summary>
public sealed class ReplicaStore(IDbConnectionFactory connections, TimeProvider time)
{
    private readonly SqlDialect _dialect = connections.Dialect;

    /// <summary>Adds this replica, or brings its row back (address and heartbeat) if another replica removed it as gone.</summary>
    public async Task RegisterAsync(string replicaId, Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var now = DbValues.Time(_dialect, time.GetUtcNow());

        // Not Dapper: this is one of the statements every start waits for (ADR 0042).
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = DbCommands.Create(
            connection,
            "INSERT INTO replicas (id, url, heartbeat_at, started_at) VALUES (@Id, @Url, @Now, @Now) " +
            "ON CONFLICT (id) DO UPDATE SET url = excluded.url, heartbeat_at = excluded.heartbeat_at",
            ("@Id", replicaId), ("@Url", url.ToString()), ("@Now", now));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Refreshes this replica's heartbeat; false when its row is missing (another replica took it for gone).</summary>
    public async Task<bool> HeartbeatAsync(string replicaId, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Id", replicaId);
        parameters.AddTime(_dialect, "Now", time.GetUtcNow());
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE replicas SET heartbeat_at = @Now WHERE id = @Id", parameters, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Removes the replicas whose heartbeat is older than <paramref name="staleAfter"/>, and every session of a replica that has no row.</summary>
    public async Task<int> RemoveGoneAsync(TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddTime(_dialect, "Cutoff", time.GetUtcNow() - staleAfter);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var replicas = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM replicas WHERE heartbeat_at < @Cutoff", parameters, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM session_owners WHERE replica_id NOT IN (SELECT id FROM replicas)", transaction: transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return replicas;
    }

    /// <summary>Removes this replica and its sessions (an orderly stop).</summary>
    public async Task RemoveAsync(string replicaId, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Id", replicaId);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM session_owners WHERE replica_id = @Id", parameters, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM replicas WHERE id = @Id", parameters, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task RecordSessionAsync(string sessionId, string replicaId, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Session", sessionId);
        parameters.AddText("Replica", replicaId);
        parameters.AddTime(_dialect, "Now", time.GetUtcNow());
        await using var connection = await connections.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO session_owners (session_id, replica_id, created_at) VALUES (@Session, @Replica, @Now) " +
            "ON CONFLICT (session_id) DO UPDATE SET replica_id = excluded.replica_id",
            parameters, cancellationToken: cancellationToken));
    }

    /// <summary>Forgets the session if <paramref name="replicaId"/> still holds it.</summary>
    public async Task ForgetSessionAsync(string sessionId, string replicaId, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Session", sessionId);
        parameters.AddText("Replica", replicaId);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM session_owners WHERE session_id = @Session AND replica_id = @Replica", parameters, cancellationToken: cancellationToken));
    }

    /// <summary>The replica holding the session, with its address and heartbeat as read now; null when none holds it.</summary>
    public async Task<SessionOwner?> FindOwnerAsync(string sessionId, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Session", sessionId);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<OwnerRow>(new CommandDefinition(
            "SELECT s.replica_id AS ReplicaId, r.url AS Url, r.heartbeat_at AS HeartbeatAt " +
            "FROM session_owners s LEFT JOIN replicas r ON r.id = s.replica_id WHERE s.session_id = @Session",
            parameters, cancellationToken: cancellationToken));
        return row is null
            ? null
            : new SessionOwner(row.ReplicaId, row.Url is null ? null : new Uri(row.Url), DbValues.ReadNullableTime(row.HeartbeatAt), time.GetUtcNow());
    }

    /// <summary>A replica's address and heartbeat as read now, in the shape of an owner; null when it has no row (gone).</summary>
    public async Task<SessionOwner?> FindReplicaAsync(string replicaId, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Id", replicaId);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<OwnerRow>(new CommandDefinition(
            "SELECT id AS ReplicaId, url AS Url, heartbeat_at AS HeartbeatAt FROM replicas WHERE id = @Id",
            parameters, cancellationToken: cancellationToken));
        return row is null
            ? null
            : new SessionOwner(row.ReplicaId, row.Url is null ? null : new Uri(row.Url), DbValues.ReadNullableTime(row.HeartbeatAt), time.GetUtcNow());
    }

    /// <summary>Every replica's last heartbeat, as read now.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> HeartbeatsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<HeartbeatRow>(new CommandDefinition(
            "SELECT id AS Id, heartbeat_at AS HeartbeatAt FROM replicas", cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Id, r => DbValues.ReadTime(r.HeartbeatAt), StringComparer.Ordinal);
    }

    private sealed class OwnerRow
    {
        public string ReplicaId { get; set; } = string.Empty;

        public string? Url { get; set; }

        public object? HeartbeatAt { get; set; }
    }

    private sealed class HeartbeatRow
    {
        public string Id { get; set; } = string.Empty;

        public object HeartbeatAt { get; set; } = 0L;
    }
}
