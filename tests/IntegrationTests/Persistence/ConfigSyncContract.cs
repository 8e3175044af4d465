using System.Data.Common;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Application.Backends;
using OneMcp.Application.Replication;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.Repositories;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary>
/// mcp.json synced into a real store by <see cref="BackendCatalog.SyncConfigAsync"/>: an edit the database refuses
/// half-way leaves nothing of itself behind, so the watcher's retry (or the next edit) starts from the state before it.
/// </summary>
public abstract class ConfigSyncContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    [Fact]
    public async Task Sync_WhenTheDatabaseRefusesOneWriteOfAnEdit_StoresNothingOfItAndTheNextSyncStoresAllOfIt()
    {
        using var gate = new BackendCatalogGate();
        var repository = new BackendServiceRepository(Factory, new EphemeralDataProtectionProvider());
        var runtime = new RecordingRuntime();
        var feed = new RecordingFeed();
        var catalog = new BackendCatalog(repository, runtime, gate, feed, TimeProvider.System, NullLogger<BackendCatalog>.Instance);
        await catalog.SyncConfigAsync([Stdio("a"), Stdio("gone")], waitForConnections: false, Ct);
        var requests = new AuthorizationRequestRepository(Factory);
        var pendingForGone = AuthorizationRequest.ForBackend("admin", "gone", ["read"], "{}", DateTimeOffset.UtcNow);
        await requests.AddAsync(pendingForGone, Ct);
        BackendSettings[] edit = [Stdio("a", "web"), Stdio("b")];

        // The edit updates a, adds b and removes gone; the database refuses b, the second write the old sync made.
        await RefuseInsertOfAsync("b");
        try
        {
            var refused = await Should.ThrowAsync<DbException>(() => catalog.SyncConfigAsync(edit, waitForConnections: false, Ct));
            refused.Message.ShouldContain("injected");
        }
        finally
        {
            await AcceptInsertsAsync();
        }

        var stored = await repository.ListAsync(Ct);
        stored.Select(b => b.Name.Value).ShouldBe(["a", "gone"]);
        stored[0].Settings.Tags.ShouldBeEmpty();
        stored[0].Version.ShouldBe(1);
        (await requests.FindAsync(pendingForGone.Id, Ct)).ShouldNotBeNull();
        runtime.Desired.Select(s => s.Name.Value).ShouldBe(["a", "gone"], ignoreOrder: true);
        feed.Published.ShouldBe(1);

        var report = await catalog.SyncConfigAsync(edit, waitForConnections: false, Ct);

        report.ShouldBe(report with { Added = 1, Updated = 1, Removed = 1 });
        stored = await repository.ListAsync(Ct);
        stored.Select(b => b.Name.Value).ShouldBe(["a", "b"]);
        stored[0].Settings.Tags.ShouldBe([Tag.From("web")]);
        (await requests.FindAsync(pendingForGone.Id, Ct)).ShouldBeNull();
        runtime.Desired.Select(s => s.Name.Value).ShouldBe(["a", "b"], ignoreOrder: true);
        feed.Published.ShouldBe(2);
    }

    private static StdioBackendSettings Stdio(string name, params string[] tags) => new()
    {
        Name = ServerName.From(name),
        Command = "node",
        Args = ["server.js"],
        Tags = [.. tags.Select(Tag.From)],
    };

    // A failure the sync cannot foresee (as a dropped connection would be), injected by the database itself.
    private Task<int> RefuseInsertOfAsync(string name) => Db.ExecuteAsync(Db.Dialect == SqlDialect.Sqlite
        ? $"CREATE TRIGGER refuse_insert BEFORE INSERT ON backends WHEN NEW.name = '{name}' BEGIN SELECT RAISE(ABORT, 'injected'); END;"
        : "CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$; " +
          $"CREATE TRIGGER refuse_insert BEFORE INSERT ON backends FOR EACH ROW WHEN (NEW.name = '{name}') EXECUTE FUNCTION refuse_insert();");

    private Task<int> AcceptInsertsAsync() => Db.ExecuteAsync(Db.Dialect == SqlDialect.Sqlite
        ? "DROP TRIGGER IF EXISTS refuse_insert;"
        : "DROP TRIGGER IF EXISTS refuse_insert ON backends; DROP FUNCTION IF EXISTS refuse_insert();");

    private sealed class RecordingRuntime : IBackendRuntime
    {
        public IReadOnlyList<BackendSettings> Desired { get; private set; } = [];

        public Task ApplyAsync(IReadOnlyList<BackendSettings> desired, bool waitForConnections, CancellationToken cancellationToken)
        {
            Desired = desired;
            return Task.CompletedTask;
        }

        public Task ReconnectAsync(ServerName name, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RecordingFeed : IChangeFeed
    {
        public int Published { get; private set; }

        public Task PublishAsync(GatewayChange change, CancellationToken cancellationToken)
        {
            Published++;
            return Task.CompletedTask;
        }
    }
}
