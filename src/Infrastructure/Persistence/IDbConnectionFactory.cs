using System.Data.Common;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// Hands out open connections to the gateway's database. Callers dispose each connection when done;
/// both engines pool physical connections, so opening one per operation is cheap.
/// </summary>
public interface IDbConnectionFactory
{
    SqlDialect Dialect { get; }

    /// <summary>Opens a connection that is ready to use (on SQLite: foreign keys on, busy timeout, synchronous=FULL).</summary>
    Task<DbConnection> OpenAsync(CancellationToken cancellationToken);
}
