namespace OneMcp.IntegrationTests.Persistence.OpenIddict;

// The OpenIddict store contracts once per engine: SQLite gets a temp file per class, PostgreSQL a database per class.

public sealed class SqliteOpenIddictStoreTests(SqliteDatabaseFixture db) : OpenIddictStoreContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresOpenIddictStoreTests(PostgresFixture pg) : OpenIddictStoreContract(pg.DatabaseFor<PostgresOpenIddictStoreTests>());

public sealed class SqliteOpenIddictManagerTests(SqliteDatabaseFixture db) : OpenIddictManagerContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresOpenIddictManagerTests(PostgresFixture pg) : OpenIddictManagerContract(pg.DatabaseFor<PostgresOpenIddictManagerTests>());
