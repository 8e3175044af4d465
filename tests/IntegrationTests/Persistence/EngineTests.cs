namespace OneMcp.IntegrationTests.Persistence;

// The contracts run once per engine: SQLite gets a temp file per class, PostgreSQL a database per class.

public sealed class SqliteBackendServiceRepositoryTests(SqliteDatabaseFixture db) : BackendServiceRepositoryContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresBackendServiceRepositoryTests(PostgresFixture pg) : BackendServiceRepositoryContract(pg.DatabaseFor<PostgresBackendServiceRepositoryTests>());

public sealed class SqliteConfigSyncTests(SqliteDatabaseFixture db) : ConfigSyncContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresConfigSyncTests(PostgresFixture pg) : ConfigSyncContract(pg.DatabaseFor<PostgresConfigSyncTests>());

public sealed class SqliteTagScopeRepositoryTests(SqliteDatabaseFixture db) : TagScopeRepositoryContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresTagScopeRepositoryTests(PostgresFixture pg) : TagScopeRepositoryContract(pg.DatabaseFor<PostgresTagScopeRepositoryTests>());

public sealed class SqliteAuthorizationRequestRepositoryTests(SqliteDatabaseFixture db) : AuthorizationRequestRepositoryContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresAuthorizationRequestRepositoryTests(PostgresFixture pg) : AuthorizationRequestRepositoryContract(pg.DatabaseFor<PostgresAuthorizationRequestRepositoryTests>());

public sealed class SqlitePresetRepositoryTests(SqliteDatabaseFixture db) : PresetRepositoryContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresPresetRepositoryTests(PostgresFixture pg) : PresetRepositoryContract(pg.DatabaseFor<PostgresPresetRepositoryTests>());

public sealed class SqliteUserRepositoryTests(SqliteDatabaseFixture db) : UserRepositoryContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresUserRepositoryTests(PostgresFixture pg) : UserRepositoryContract(pg.DatabaseFor<PostgresUserRepositoryTests>());

public sealed class SqliteSchemaTests(SqliteDatabaseFixture db) : SchemaContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresSchemaTests(PostgresFixture pg) : SchemaContract(pg.DatabaseFor<PostgresSchemaTests>());

public sealed class SqliteDataProtectionTests(SqliteDatabaseFixture db) : DataProtectionContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresDataProtectionTests(PostgresFixture pg) : DataProtectionContract(pg.DatabaseFor<PostgresDataProtectionTests>());

public sealed class SqliteOAuthPruningTests(SqliteDatabaseFixture db) : OAuthPruningContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresOAuthPruningTests(PostgresFixture pg) : OAuthPruningContract(pg.DatabaseFor<PostgresOAuthPruningTests>());

public sealed class SqliteBackendCredentialStoreTests(SqliteDatabaseFixture db) : BackendCredentialStoreContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresBackendCredentialStoreTests(PostgresFixture pg) : BackendCredentialStoreContract(pg.DatabaseFor<PostgresBackendCredentialStoreTests>());

public sealed class SqliteOAuthGrantDirectoryTests(SqliteDatabaseFixture db) : OAuthGrantDirectoryContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresOAuthGrantDirectoryTests(PostgresFixture pg) : OAuthGrantDirectoryContract(pg.DatabaseFor<PostgresOAuthGrantDirectoryTests>());

public sealed class SqliteAuditRepositoryTests(SqliteDatabaseFixture db) : AuditRepositoryContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresAuditRepositoryTests(PostgresFixture pg) : AuditRepositoryContract(pg.DatabaseFor<PostgresAuditRepositoryTests>());

public sealed class SqliteReplicaStoreTests(SqliteDatabaseFixture db) : ReplicaStoreContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresReplicaStoreTests(PostgresFixture pg) : ReplicaStoreContract(pg.DatabaseFor<PostgresReplicaStoreTests>());

public sealed class SqliteUserConnectionStoreTests(SqliteDatabaseFixture db) : UserConnectionStoreContract(db), IClassFixture<SqliteDatabaseFixture>;

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresUserConnectionStoreTests(PostgresFixture pg) : UserConnectionStoreContract(pg.DatabaseFor<PostgresUserConnectionStoreTests>());
