using OneMcp.Application.Backends;
using OneMcp.Application.Backends.Commands;
using OneMcp.Application.Replication;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.ControlPlane;

public sealed class ConfigSyncTests : IDisposable
{
    private readonly ControlPlaneFixture _f = new();

    [Fact]
    public async Task Sync_WhenTheFileListsNewServers_StoresThemAsConfigAndRunsThem()
    {
        var report = await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a"), ControlPlaneFixture.Stdio("b")], false, CancellationToken.None);

        report.Added.ShouldBe(2);
        _f.Repository.Snapshot().ShouldAllBe(b => b.Origin == BackendOrigin.Config);
        _f.Runtime.Desired.Select(s => s.Name.Value).ShouldBe(["a", "b"], ignoreOrder: true);
    }

    [Fact]
    public async Task Sync_WhenAServerChangesInTheFile_UpdatesItAndKeepsItsEnabledSwitch()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a")], false, CancellationToken.None);
        await new DisableBackendHandler(_f.Repository, _f.Catalog, _f.Pool, _f.Time).Handle(new DisableBackendCommand("a"), CancellationToken.None);

        var report = await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a", "web")], false, CancellationToken.None);

        report.Updated.ShouldBe(1);
        var stored = _f.Repository.Snapshot().Single();
        stored.Enabled.ShouldBeFalse();
        stored.Settings.Tags.ShouldBe([Tag.From("web")]);
        _f.Runtime.Running("a").Disabled.ShouldBeTrue();
    }

    [Fact]
    public async Task Sync_WhenNothingChanged_WritesNothing()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a")], false, CancellationToken.None);
        var writes = _f.Repository.Writes;

        var report = await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a")], false, CancellationToken.None);

        report.ShouldBe(report with { Added = 0, Updated = 0, Removed = 0 });
        _f.Repository.Writes.ShouldBe(writes);
    }

    [Fact]
    public async Task Sync_WhenAServerLeftTheFile_RemovesItButKeepsApiBackends()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a"), ControlPlaneFixture.Stdio("b")], false, CancellationToken.None);
        await new RegisterBackendHandler(_f.Repository, _f.Catalog, _f.Assembler, _f.Pool, _f.Time)
            .Handle(new RegisterBackendCommand { Name = "api", Command = "node" }, CancellationToken.None);

        var report = await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a")], false, CancellationToken.None);

        report.Removed.ShouldBe(1);
        _f.Repository.Snapshot().Select(b => b.Name.Value).ShouldBe(["a", "api"], ignoreOrder: true);
        _f.Runtime.Desired.Select(s => s.Name.Value).ShouldBe(["a", "api"], ignoreOrder: true);
    }

    [Fact]
    public async Task Sync_WhenAFileServerCollidesWithAnApiBackend_SkipsItAndReportsIt()
    {
        await new RegisterBackendHandler(_f.Repository, _f.Catalog, _f.Assembler, _f.Pool, _f.Time)
            .Handle(new RegisterBackendCommand { Name = "shared", Command = "node", Args = ["api.js"] }, CancellationToken.None);

        var report = await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("shared")], false, CancellationToken.None);

        report.Skipped.ShouldBe(["shared"]);
        var stored = _f.Repository.Snapshot().ShouldHaveSingleItem();
        stored.Origin.ShouldBe(BackendOrigin.Api);
        _f.Runtime.Running("shared").Stdio().Args.ShouldBe(["api.js"]);
    }

    [Fact]
    public async Task Sync_WhenAServerIsRenamedInCaseOnly_ReplacesItAndReportsAnUpdate()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("Files")], false, CancellationToken.None);
        var before = _f.Repository.Snapshot().Single();

        var report = await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("files")], false, CancellationToken.None);

        report.ShouldBe(report with { Added = 0, Updated = 1, Removed = 0 });
        var stored = _f.Repository.Snapshot().ShouldHaveSingleItem();
        stored.Name.Value.ShouldBe("files");
        stored.Id.ShouldNotBe(before.Id);
    }

    [Fact]
    public async Task Sync_WhenTheSaveFails_StoresNothingOfTheEditAndTheNextSyncStoresAllOfIt()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a"), ControlPlaneFixture.Stdio("gone")], false, CancellationToken.None);
        var applies = _f.Runtime.Applies;
        _f.Repository.BeforeSave = _ => throw new InvalidOperationException("database unreachable");
        BackendSettings[] edit = [ControlPlaneFixture.Stdio("a", "web"), ControlPlaneFixture.Stdio("b")];

        await Should.ThrowAsync<InvalidOperationException>(() => _f.Catalog.SyncConfigAsync(edit, false, CancellationToken.None));

        _f.Repository.Snapshot().Select(b => b.Name.Value).ShouldBe(["a", "gone"], ignoreOrder: true);
        _f.Repository.Snapshot().Single(b => b.Name.Value == "a").Settings.Tags.ShouldBeEmpty();
        _f.Runtime.Applies.ShouldBe(applies);
        _f.Changes.Published.ShouldBe([new GatewayChange(GatewayChangeKind.Backends)]);

        _f.Repository.BeforeSave = null;
        var report = await _f.Catalog.SyncConfigAsync(edit, false, CancellationToken.None);

        report.ShouldBe(report with { Added = 1, Updated = 1, Removed = 1 });
        _f.Repository.Snapshot().Single(b => b.Name.Value == "a").Settings.Tags.ShouldBe([Tag.From("web")]);
        _f.Runtime.Desired.Select(s => s.Name.Value).ShouldBe(["a", "b"], ignoreOrder: true);
    }

    [Fact]
    public async Task Sync_WhenAnotherReplicaStoredTheSameEditFirst_ReadsTheStoreAgainAndHasNothingLeftToWrite()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a")], false, CancellationToken.None);
        BackendSettings[] edit = [ControlPlaneFixture.Stdio("a", "web"), ControlPlaneFixture.Stdio("b")];
        var saves = 0;
        _f.Repository.BeforeSave = repository =>
        {
            if (++saves == 1)
            {
                // The other replica's sync of the same edit commits between this one's read and its save.
                var a = repository.Snapshot().Single();
                a.SyncFromConfig(edit[0], _f.Time.GetUtcNow());
                repository.UpdateAsync(a, CancellationToken.None).GetAwaiter().GetResult();
                repository.AddAsync(BackendService.Register(edit[1], BackendOrigin.Config, _f.Time.GetUtcNow()), CancellationToken.None).GetAwaiter().GetResult();
            }
        };
        var published = _f.Changes.Published.Count;

        var report = await _f.Catalog.SyncConfigAsync(edit, false, CancellationToken.None);

        saves.ShouldBe(2);
        report.ShouldBe(report with { Added = 0, Updated = 0, Removed = 0 });
        _f.Repository.Snapshot().Select(b => b.Name.Value).ShouldBe(["a", "b"], ignoreOrder: true);
        _f.Repository.Snapshot().Single(b => b.Name.Value == "a").Settings.Tags.ShouldBe([Tag.From("web")]);
        _f.Runtime.Desired.Select(s => s.Name.Value).ShouldBe(["a", "b"], ignoreOrder: true);
        _f.Changes.Published.Count.ShouldBe(published, "the replica that wrote the change told the others");
    }

    [Fact]
    public async Task Sync_WhenEveryAttemptMeetsAConcurrentWrite_GivesUpWithTheConflictAndStoresNothingOfItsOwn()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a")], false, CancellationToken.None);
        var saves = 0;
        _f.Repository.BeforeSave = repository =>
        {
            // An operator switches the backend off and on between every read and save.
            saves++;
            var a = repository.Snapshot().Single();
            if (a.Enabled)
            {
                a.Disable(_f.Time.GetUtcNow());
            }
            else
            {
                a.Enable(_f.Time.GetUtcNow());
            }

            repository.UpdateAsync(a, CancellationToken.None).GetAwaiter().GetResult();
        };

        await Should.ThrowAsync<ConcurrencyConflictException>(() =>
            _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("a", "web"), ControlPlaneFixture.Stdio("b")], false, CancellationToken.None));

        saves.ShouldBe(BackendCatalog.SyncAttempts);
        _f.Repository.Snapshot().ShouldHaveSingleItem().Settings.Tags.ShouldBeEmpty();
    }

    public void Dispose() => _f.Dispose();
}
