using Dapper;
using DbUp;
using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Application.Audit;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>
/// A database as an older gateway left it: every script before a given one applied and journaled under the names the
/// migrator uses, with audit rows written in that schema. What a migration that adds a column must keep.
/// </summary>
internal static class OlderDatabase
{
    public const string AuditTargetScript = "0011_audit_target.sql";

    /// <summary>A row of the audit log from before <see cref="AuditTargetScript"/>: every column it had, filled.</summary>
    public static readonly AuditEntry AuditRowBeforeTarget = new(
        new DateTimeOffset(2026, 12, 1, 9, 15, 0, TimeSpan.Zero), AuditKinds.Change, AuditOutcomes.Failure, "ada", "sub-ada", "client-1",
        "alpha", "RemoveBackend", 42, "not_found")
    {
        Credentials = AuditCredentials.Shared,
    };

    /// <summary>
    /// Brings a database up to the script before <see cref="AuditTargetScript"/>, writes <see cref="AuditRowBeforeTarget"/>
    /// in that schema, then runs the gateway's migrator; returns the scripts it applied and the audit log read back.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Applied, IReadOnlyList<AuditRecord> Rows)> MigrateAuditRowsToTargetAsync(
        PersistenceOptions options, IDbConnectionFactory factory)
    {
        var dialect = options.Dialect;
        var connectionString = dialect == SqlDialect.Sqlite ? SqliteConnectionFactory.BuildConnectionString(options.SqliteDatabasePath) : options.ConnectionString!;
        if (dialect == SqlDialect.Sqlite)
        {
            SqliteDatabaseFile.Prepare(options.SqliteDatabasePath);
        }

        var older = DatabaseMigrator.LoadScripts(dialect).Where(s => string.CompareOrdinal(s.Name, AuditTargetScript) < 0);
        var builder = dialect == SqlDialect.Sqlite ? DeployChanges.To.SqliteDatabase(connectionString) : DeployChanges.To.PostgresqlDatabase(connectionString);
        var upgrade = builder.WithScripts(older).WithTransactionPerScript().WithVariablesDisabled().LogToNowhere().Build().PerformUpgrade();
        upgrade.Successful.ShouldBeTrue(upgrade.Error?.ToString());

        var e = AuditRowBeforeTarget;
        await using (var connection = await factory.OpenAsync(CancellationToken.None))
        {
            var parameters = new DynamicParameters(new { e.Kind, e.Outcome, e.UserName, e.Subject, e.ClientId, e.Backend, e.Name, e.DurationMs, e.ErrorCode, e.Credentials });
            parameters.AddTime(dialect, "Time", e.Time);
            await connection.ExecuteAsync(
                "INSERT INTO audit_log (occurred_at, kind, outcome, user_name, subject, client_id, backend, name, duration_ms, error_code, credentials) " +
                "VALUES (@Time, @Kind, @Outcome, @UserName, @Subject, @ClientId, @Backend, @Name, @DurationMs, @ErrorCode, @Credentials)", parameters);
        }

        var applied = await new DatabaseMigrator(options, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return (applied, await new AuditRepository(factory).ListAsync(new AuditFilter(), 10, CancellationToken.None));
    }
}
