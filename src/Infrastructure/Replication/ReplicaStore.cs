using Dapper;
using OneMcp.Application.Replication;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// The <c>replicas</c> and <c>session_owners</c> tables on both engines (ADR 0031). Heartbeats are written, and judged
/// stale, by one clock: on PostgreSQL the database's (<c>now()</c>), so replicas whose clocks disagree never take
/// each other for gone; on SQLite, which serves one process, this process's.
/// </summary>
public sealed class ReplicaStore(IDbConnectionFactory connections, TimeProvider time)
{
    private readonly SqlDialect _dialect = connections.Dialect;

    // The instant a heartbeat is written and judged by; @Now is this process's clock, passed only on SQLite.
    private string Now => _dialect == SqlDialect.Postgres ? "now()" : "@Now";

    /// <summary>Adds this replica, or brings its row back (address and heartbeat) if another replica removed it as gone.</summary>
    public async Task RegisterAsync(string replicaId, Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var sql = $"INSERT INTO replicas (id, url, heartbeat_at, started_at) VALUES (@Id, @Url, {Now}, {Now}) " +
            "ON CONFLICT (id) DO UPDATE SET url = excluded.url, heartbeat_at = excluded.heartbeat_at";

        // Not Dapper: this is one of the statements every start waits for (ADR 0042).
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = _dialect == SqlDialect.Postgres
            ? DbCommands.Create(connection, sql, ("@Id", replicaId), ("@Url", url.ToString()))
            : DbCommands.Create(connection, sql, ("@Id", replicaId), ("@Url", url.ToString()), ("@Now", DbValues.Time(_dialect, time.GetUtcNow())));

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Refreshes this replica's heartbeat; false when its row is missing (another replica took it for gone).</summary>
    public async Task<bool> HeartbeatAsync(string replicaId, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Id", replicaId);
        AddNow(parameters);
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE replicas SET heartbeat_at = {Now} WHERE id = @Id", parameters, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Removes the replicas whose heartbeat is older than <paramref name="staleAfter"/>, and every session of a replica that has no row.</summary>
    public async Task<int> RemoveGoneAsync(TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        string cutoff;
        if (_dialect == SqlDialect.Postgres)
        {
            parameters.Add("StaleSeconds", staleAfter.TotalSeconds);
            cutoff = "now() - make_interval(secs => @StaleSeconds)";
        }
        else
        {
            parameters.AddTime(_dialect, "Cutoff", time.GetUtcNow() - staleAfter);
            cutoff = "@Cutoff";
        }

        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var replicas = await connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM replicas WHERE heartbeat_at < {cutoff}", parameters, transaction, cancellationToken: cancellationToken));
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
        AddNow(parameters);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<OwnerRow>(new CommandDefinition(
            $"SELECT s.replica_id AS ReplicaId, r.url AS Url, r.heartbeat_at AS HeartbeatAt, {Now} AS ReadAt " +
            "FROM session_owners s LEFT JOIN replicas r ON r.id = s.replica_id WHERE s.session_id = @Session",
            parameters, cancellationToken: cancellationToken));
        return row?.ToOwner();
    }

    /// <summary>A replica's address and heartbeat as read now, in the shape of an owner; null when it has no row (gone).</summary>
    public async Task<SessionOwner?> FindReplicaAsync(string replicaId, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddText("Id", replicaId);
        AddNow(parameters);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<OwnerRow>(new CommandDefinition(
            $"SELECT id AS ReplicaId, url AS Url, heartbeat_at AS HeartbeatAt, {Now} AS ReadAt FROM replicas WHERE id = @Id",
            parameters, cancellationToken: cancellationToken));
        return row?.ToOwner();
    }

    /// <summary>Every replica's last heartbeat, and the instant they were read at (by the clock heartbeats are written with).</summary>
    public async Task<ReplicaHeartbeats> HeartbeatsAsync(CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        AddNow(parameters);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var readAt = DbValues.ReadTime(await connection.ExecuteScalarAsync<object>(new CommandDefinition(
            $"SELECT {Now}", parameters, cancellationToken: cancellationToken)) ?? throw new InvalidOperationException("The database gave no time."));
        var rows = await connection.QueryAsync<HeartbeatRow>(new CommandDefinition(
            "SELECT id AS Id, heartbeat_at AS HeartbeatAt FROM replicas", cancellationToken: cancellationToken));
        return new ReplicaHeartbeats(rows.ToDictionary(r => r.Id, r => DbValues.ReadTime(r.HeartbeatAt), StringComparer.Ordinal), readAt);
    }

    private void AddNow(DynamicParameters parameters)
    {
        if (_dialect == SqlDialect.Sqlite)
        {
            parameters.AddTime(_dialect, "Now", time.GetUtcNow());
        }
    }

    private sealed class OwnerRow
    {
        public string ReplicaId { get; set; } = string.Empty;

        public string? Url { get; set; }

        public object? HeartbeatAt { get; set; }

        public object ReadAt { get; set; } = 0L;

        public SessionOwner ToOwner() => new(ReplicaId, Url is null ? null : new Uri(Url), DbValues.ReadNullableTime(HeartbeatAt), DbValues.ReadTime(ReadAt));
    }

    private sealed class HeartbeatRow
    {
        public string Id { get; set; } = string.Empty;

        public object HeartbeatAt { get; set; } = 0L;
    }
}

/// <summary>Every replica's last heartbeat (by id) and the instant they were read at, by the same clock.</summary>
public sealed record ReplicaHeartbeats(IReadOnlyDictionary<string, DateTimeOffset> Heartbeats, DateTimeOffset ReadAt);
