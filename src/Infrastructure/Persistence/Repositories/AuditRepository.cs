using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using OneMcp.Application.Audit;
using SQLitePCL;

namespace OneMcp.Infrastructure.Persistence.Repositories;

/// <summary>
/// The <c>audit_log</c> table on both engines: batched multi-row inserts, idempotent on each entry's
/// <see cref="AuditEntry.Key"/>, id-keyed pages, time-based pruning.
/// </summary>
public sealed class AuditRepository(IDbConnectionFactory connections) : IAuditRepository
{
    // 13 parameters a row: 100 rows stay far below every engine's parameter limit and make one round trip.
    private const int RowsPerStatement = 100;

    private const string InsertSql =
        "INSERT INTO audit_log (occurred_at, kind, outcome, user_name, subject, client_id, backend, name, duration_ms, error_code, credentials, target, entry_key) VALUES ";

    // An entry already stored under its key (a batch written again because its commit was not acknowledged) is skipped:
    // the insert is idempotent. Only a key conflict is skipped; any other refused row still fails the statement.
    private const string SkipStored = " ON CONFLICT (entry_key) DO NOTHING";

    private const string Columns =
        "id AS Id, occurred_at AS OccurredAt, kind AS Kind, outcome AS Outcome, user_name AS UserName, subject AS Subject, " +
        "client_id AS ClientId, backend AS Backend, name AS Name, duration_ms AS DurationMs, error_code AS ErrorCode, credentials AS Credentials, target AS Target";

    private readonly SqlDialect _dialect = connections.Dialect;

    /// <summary>At most this many entries are deleted by one statement of <see cref="PruneAsync"/>.</summary>
    internal int PruneBatchSize { get; init; } = 5000;

    public async Task AddAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (_dialect == SqlDialect.Sqlite)
        {
            await InsertOneByOneAsync(connection, entries, cancellationToken);
        }
        else
        {
            await InsertManyPerStatementAsync(connection, transaction, entries, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    // SQLite runs in-process: one prepared statement, re-bound and stepped per row, is its cheapest bulk insert (no
    // SQL text to build or parse per batch). It is driven through SQLite's own API on the connection's handle, inside
    // the connection's transaction: binding by position, with text straight from the strings, spares the per-row
    // parameter-name lookups and UTF-8 copies of ADO.NET's binding, which were most of the writer's work under load.
    private static Task InsertOneByOneAsync(DbConnection connection, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        var db = ((SqliteConnection)connection).Handle ?? throw new InvalidOperationException("The SQLite connection is not open.");
        Check(db, raw.sqlite3_prepare_v2(db, InsertSql + "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)" + SkipStored, out var statement));
        using (statement)
        {
            foreach (var e in entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Check(db, raw.sqlite3_bind_int64(statement, 1, (long)DbValues.Time(SqlDialect.Sqlite, e.Time)));
                BindText(db, statement, 2, e.Kind);
                BindText(db, statement, 3, e.Outcome);
                BindText(db, statement, 4, e.UserName);
                BindText(db, statement, 5, e.Subject);
                BindText(db, statement, 6, e.ClientId);
                BindText(db, statement, 7, e.Backend);
                BindText(db, statement, 8, e.Name);
                Check(db, raw.sqlite3_bind_int64(statement, 9, e.DurationMs));
                BindText(db, statement, 10, e.ErrorCode);
                BindText(db, statement, 11, e.Credentials);
                BindText(db, statement, 12, e.Target);
                Check(db, e.Key == Guid.Empty ? raw.sqlite3_bind_null(statement, 13) : raw.sqlite3_bind_blob(statement, 13, e.Key.ToByteArray()));

                // The connection's busy_timeout makes a step wait for another writer instead of failing at once.
                var stepped = raw.sqlite3_step(statement);
                raw.sqlite3_reset(statement);
                if (stepped != raw.SQLITE_DONE)
                {
                    Check(db, stepped);
                }
            }
        }

        return Task.CompletedTask;
    }

    private static void BindText(sqlite3 db, sqlite3_stmt statement, int index, string? value) =>
        Check(db, DbValues.StorableText(value) is not { } text ? raw.sqlite3_bind_null(statement, index) : raw.sqlite3_bind_text16(statement, index, text.AsSpan()));

    // SQLite's code and message, as Microsoft.Data.Sqlite reports them: the writer tells an unavailable database from a
    // failed write by them (DatabaseAvailability.Classify).
    private static void Check(sqlite3 db, int result)
    {
        if (result is not (raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW))
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), result, raw.sqlite3_extended_errcode(db));
        }
    }

    // PostgreSQL is a round trip away: many rows per statement.
    private async Task InsertManyPerStatementAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < entries.Count; offset += RowsPerStatement)
        {
            var sql = new StringBuilder(InsertSql);
            var parameters = new DynamicParameters();
            var end = Math.Min(offset + RowsPerStatement, entries.Count);
            for (var i = offset; i < end; i++)
            {
                var e = entries[i];
                var n = (i - offset).ToString(CultureInfo.InvariantCulture);
                sql.Append(i == offset ? "" : ", ")
                    .Append(CultureInfo.InvariantCulture, $"(@T{n}, @K{n}, @O{n}, @U{n}, @S{n}, @C{n}, @B{n}, @N{n}, @D{n}, @E{n}, @R{n}, @G{n}, @I{n})");
                parameters.AddTime(_dialect, "T" + n, e.Time);
                parameters.AddText("K" + n, DbValues.StorableText(e.Kind));
                parameters.AddText("O" + n, DbValues.StorableText(e.Outcome));
                parameters.AddText("U" + n, DbValues.StorableText(e.UserName));
                parameters.AddText("S" + n, DbValues.StorableText(e.Subject));
                parameters.AddText("C" + n, DbValues.StorableText(e.ClientId));
                parameters.AddText("B" + n, DbValues.StorableText(e.Backend));
                parameters.AddText("N" + n, DbValues.StorableText(e.Name));
                parameters.Add("D" + n, e.DurationMs, DbType.Int64);
                parameters.AddText("E" + n, DbValues.StorableText(e.ErrorCode));
                parameters.AddText("R" + n, DbValues.StorableText(e.Credentials));
                parameters.AddText("G" + n, DbValues.StorableText(e.Target));
                parameters.Add("I" + n, e.Key == Guid.Empty ? null : e.Key, DbType.Guid);
            }

            sql.Append(SkipStored);

            await connection.ExecuteAsync(new CommandDefinition(sql.ToString(), parameters, transaction, cancellationToken: cancellationToken));
        }
    }

    public async Task<IReadOnlyList<AuditRecord>> ListAsync(AuditFilter filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var where = new StringBuilder("1 = 1");
        var parameters = new DynamicParameters();
        if (filter.User is { } user)
        {
            where.Append(" AND (user_name = @User OR subject = @User)");
            parameters.AddText("User", DbValues.StorableText(user));
        }

        AddEquals(where, parameters, "subject", "Subject", filter.Subject);
        AddEquals(where, parameters, "backend", "Backend", filter.Backend);
        AddEquals(where, parameters, "kind", "Kind", filter.Kind);
        AddEquals(where, parameters, "outcome", "Outcome", filter.Outcome);
        if (filter.Since is { } since)
        {
            where.Append(" AND occurred_at >= @Since");
            parameters.AddTime(_dialect, "Since", since);
        }

        if (filter.Until is { } until)
        {
            where.Append(" AND occurred_at <= @Until");
            parameters.AddTime(_dialect, "Until", until);
        }

        if (filter.Backends is { } backends)
        {
            // The rows of no backend (sign-ins, consents, changes), and those of the backends named.
            where.Append(" AND (backend IS NULL");
            var n = 0;
            foreach (var backend in backends.Order(StringComparer.Ordinal))
            {
                var name = "B" + n.ToString(CultureInfo.InvariantCulture);
                where.Append(n == 0 ? " OR backend IN (@" : ", @").Append(name);
                parameters.AddText(name, DbValues.StorableText(backend));
                n++;
            }

            where.Append(n == 0 ? ")" : "))");
        }

        if (filter.BeforeId is { } before)
        {
            where.Append(" AND id < @BeforeId");
            parameters.Add("BeforeId", before, DbType.Int64);
        }

        parameters.AddInt("Limit", limit);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM audit_log WHERE {where} ORDER BY id DESC LIMIT @Limit", parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new AuditRecord(Convert.ToInt64(r.Id, CultureInfo.InvariantCulture), ToEntry(r)))];
    }

    public async Task<IReadOnlyList<AuditEntry>> CallsSinceAsync(DateTimeOffset since, string? subject, int max, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddTime(_dialect, "Since", since);
        parameters.AddInt("Max", max);
        parameters.AddText("K0", AuditKinds.ToolCall);
        parameters.AddText("K1", AuditKinds.ResourceRead);
        parameters.AddText("K2", AuditKinds.PromptGet);
        var where = new StringBuilder("occurred_at >= @Since AND kind IN (@K0, @K1, @K2)");
        AddEquals(where, parameters, "subject", "Subject", subject);
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM audit_log WHERE {where} ORDER BY id DESC LIMIT @Max", parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(ToEntry).Reverse()];
    }

    public async Task<int> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.AddTime(_dialect, "Threshold", threshold);
        parameters.AddInt("Batch", PruneBatchSize);
        await using var connection = await connections.OpenAsync(cancellationToken);

        // A bounded batch per statement, each its own short transaction: one DELETE of a large backlog (the first run
        // after the retention was shortened) held SQLite's single write lock past every other writer's busy timeout,
        // failing sign-ins, token refreshes and edits as "database locked" for as long as it ran.
        var pruned = 0;
        while (true)
        {
            var deleted = await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE occurred_at < @Threshold LIMIT @Batch)",
                parameters, cancellationToken: cancellationToken));
            pruned += deleted;
            if (deleted < PruneBatchSize)
            {
                return pruned;
            }
        }
    }

    private static void AddEquals(StringBuilder where, DynamicParameters parameters, string column, string name, string? value)
    {
        if (value is not null)
        {
            where.Append(CultureInfo.InvariantCulture, $" AND {column} = @{name}");
            parameters.AddText(name, DbValues.StorableText(value));
        }
    }

    private static AuditEntry ToEntry(Row row) => new(
        DbValues.ReadTime(row.OccurredAt), row.Kind, row.Outcome, row.UserName, row.Subject, row.ClientId, row.Backend, row.Name,
        Convert.ToInt64(row.DurationMs, CultureInfo.InvariantCulture), row.ErrorCode)
    {
        Credentials = row.Credentials,
        Target = row.Target,
    };

    private sealed class Row
    {
        public object Id { get; set; } = null!;

        public object OccurredAt { get; set; } = null!;

        public string Kind { get; set; } = "";

        public string Outcome { get; set; } = "";

        public string? UserName { get; set; }

        public string? Subject { get; set; }

        public string? ClientId { get; set; }

        public string? Backend { get; set; }

        public string? Name { get; set; }

        public object DurationMs { get; set; } = null!;

        public string? ErrorCode { get; set; }

        public string? Credentials { get; set; }

        public string? Target { get; set; }
    }
}
