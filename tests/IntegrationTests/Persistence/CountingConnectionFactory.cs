using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>
/// The real connections of a test database, counting every command created on them (Dapper creates one per
/// statement it runs), so that a test can say how many queries an operation issued.
/// </summary>
public sealed class CountingConnectionFactory(IDbConnectionFactory inner) : IDbConnectionFactory
{
    private int _commands;

    public SqlDialect Dialect => inner.Dialect;

    public int Commands => Volatile.Read(ref _commands);

    public void Reset() => Interlocked.Exchange(ref _commands, 0);

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        new CountingConnection(await inner.OpenAsync(cancellationToken), this);

    private void Counted() => Interlocked.Increment(ref _commands);

    private sealed class CountingConnection(DbConnection connection, CountingConnectionFactory owner) : DbConnection
    {
        [AllowNull]
        public override string ConnectionString
        {
            get => connection.ConnectionString;
            set => connection.ConnectionString = value;
        }

        public override string Database => connection.Database;

        public override string DataSource => connection.DataSource;

        public override string ServerVersion => connection.ServerVersion;

        public override ConnectionState State => connection.State;

        public override void ChangeDatabase(string databaseName) => connection.ChangeDatabase(databaseName);

        public override void Close() => connection.Close();

        public override void Open() => connection.Open();

        public override Task OpenAsync(CancellationToken cancellationToken) => connection.OpenAsync(cancellationToken);

        protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => connection.BeginTransaction(isolationLevel);

        protected override DbCommand CreateDbCommand()
        {
            owner.Counted();
            return connection.CreateCommand();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                connection.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await connection.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
