using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// One replica at a time renews a backend's OAuth tokens: on PostgreSQL, a transaction-scoped advisory lock
/// (<c>pg_advisory_xact_lock(class, hash of the backend's name)</c>) held around read-check-refresh-save, so two
/// replicas never spend the same rotating refresh token; the one that waited re-reads the store and finds the new
/// tokens. The lock ends with its transaction, also when the process dies (its connection closes). SQLite serves one
/// process, whose own per-backend gate is enough: nothing is locked there.
/// </summary>
public sealed class BackendRefreshLock(IDbConnectionFactory connections)
{
    /// <summary>The first key of the two-key form: backend token refreshes (the migrator's one-key lock is a separate key space).</summary>
    internal const int LockClass = 0x4F4D5246; // "OMRF"

    /// <summary>Waits for the lock of <paramref name="backend"/>; dispose the result to release it (null: no lock needed).</summary>
    public Task<IAsyncDisposable?> AcquireAsync(ServerName backend, CancellationToken cancellationToken) => AcquireAsync(backend, null, cancellationToken);

    /// <summary>
    /// Waits for the lock of <paramref name="owner"/>'s own tokens for a per-user backend (null owner: the backend's
    /// shared tokens), so one user's refresh never waits for another's; dispose the result to release it.
    /// </summary>
    public async Task<IAsyncDisposable?> AcquireAsync(ServerName backend, ConnectionOwner? owner, CancellationToken cancellationToken)
    {
        if (connections.Dialect != SqlDialect.Postgres)
        {
            return null;
        }

        var connection = await connections.OpenAsync(cancellationToken);
        DbTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_xact_lock(@Class, @Key)",
                new { Class = LockClass, Key = KeyOf(backend, owner) },
                transaction,
                cancellationToken: cancellationToken));
            return new Held(connection, transaction);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A stable 32-bit key for a backend name (two backends sharing one only wait on each other).</summary>
    internal static int KeyOf(ServerName backend) => KeyOf(backend, null);

    /// <summary>The key of a user's tokens hashes "&lt;backend&gt;/&lt;owner&gt;" ('/' is never in a backend name).</summary>
    internal static int KeyOf(ServerName backend, ConnectionOwner? owner) =>
        BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(owner is { } o ? $"{backend.Value}/{o.Key}" : backend.Value)), 0);

    private sealed class Held(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // Nothing was written in this transaction: ending it (a rollback, or nothing at all on a connection the
            // server already closed) is what releases the lock.
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
