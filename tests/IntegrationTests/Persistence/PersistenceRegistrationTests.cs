using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OneMcp.Application.Presets;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Presets;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.IntegrationTests.Persistence;

public sealed class SqlitePersistenceRegistrationTests : IDisposable
{
    private readonly string _directory = SqliteDatabaseFixture.NewDirectory();

    [Fact]
    public async Task AddPersistence_WithoutConnectionString_WiresSqliteAndEveryRepository()
    {
        var options = new PersistenceOptions { DataDirectory = Path.Combine(_directory, "nested", "data") };
        await using var services = new ServiceCollection().AddLogging().AddPersistence(options).AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider()).BuildServiceProvider();

        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);

        services.GetRequiredService<IDbConnectionFactory>().ShouldBeOfType<SqliteConnectionFactory>();
        await PersistenceRegistration.ShouldStoreThroughEveryPortAsync(services);
        File.Exists(Path.Combine(_directory, "nested", "data", "onemcp.db")).ShouldBeTrue();
    }

    public void Dispose()
    {
        SqliteDatabaseFixture.DeleteDirectory(Path.Combine(_directory, "nested", "data"));
        SqliteDatabaseFixture.DeleteDirectory(_directory);
    }
}

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresPersistenceRegistrationTests(PostgresFixture postgres)
{
    [Fact]
    public async Task AddPersistence_WithConnectionString_WiresPostgresAndNeverLogsThePassword()
    {
        // The test cluster trusts local connections, so the password is ignored by the server but present everywhere else.
        var connectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionStringFor(postgres.NewDatabaseName())) { Password = "hunter2-secret" }.ConnectionString;
        var options = new PersistenceOptions { ConnectionString = connectionString, DataDirectory = Path.GetTempPath() };
        var logs = new CapturingLoggerProvider();
        await using (var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs))
            .AddPersistence(options)
            .AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider())
            .BuildServiceProvider())
        {
            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);

            services.GetRequiredService<IDbConnectionFactory>().ShouldBeOfType<NpgsqlConnectionFactory>();
            await PersistenceRegistration.ShouldStoreThroughEveryPortAsync(services);
        }

        logs.Messages.ShouldNotBeEmpty();
        logs.Messages.ShouldAllBe(m => !m.Contains("hunter2", StringComparison.Ordinal));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Messages.Enqueue(formatter(state, exception) + exception);
        }
    }
}

internal static class PersistenceRegistration
{
    public static async Task ShouldStoreThroughEveryPortAsync(IServiceProvider services)
    {
        var now = DateTimeOffset.UtcNow;
        var ct = CancellationToken.None;
        await services.GetRequiredService<IBackendServiceRepository>().AddAsync(
            BackendService.Register(BackendServiceRepositoryContract.MinimalSse("di"), BackendOrigin.Api, now), ct);
        await services.GetRequiredService<ITagScopeRepository>().AddAsync(TagScope.Create(Tag.From("di"), now), ct);
        await services.GetRequiredService<IPresetRepository>().AddAsync(Preset.Create("di", "di", "", TagFilterGrammar.Instance, now), ct);
        await services.GetRequiredService<IUserRepository>().AddAsync(User.Create("di", "hash", UserRole.Admin, now), ct);
        await services.GetRequiredService<IAuthorizationRequestRepository>().AddAsync(AuthorizationRequest.ForBackend("di", "di", [], "{}", now), ct);

        (await services.GetRequiredService<IBackendServiceRepository>().ListAsync(ct)).Count.ShouldBe(1);
        (await services.GetRequiredService<ITagScopeRepository>().ListAsync(ct)).Count.ShouldBe(1);
        (await services.GetRequiredService<IPresetRepository>().ListAsync(ct)).Count.ShouldBe(1);
        (await services.GetRequiredService<IUserRepository>().CountAsync(ct)).ShouldBe(1);
        (await services.GetRequiredService<IAuthorizationRequestRepository>().ListPendingAsync(now, ct)).Count.ShouldBe(1);
    }
}
