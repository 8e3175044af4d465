using OneMcp.Application.Backends.Commands;
using OneMcp.Domain.Backends;
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

    public void Dispose() => _f.Dispose();
}
