using Microsoft.Extensions.Hosting;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure;

/// <summary>Brings the database schema up to date before anything reads the store.</summary>
internal sealed class MigrateOnStart(DatabaseMigrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
