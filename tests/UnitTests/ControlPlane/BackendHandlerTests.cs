using OneMcp.Application.Backends;
using OneMcp.Application.Backends.Commands;
using OneMcp.Application.Backends.Queries;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.ControlPlane;

public sealed class BackendHandlerTests : IDisposable
{
    private readonly ControlPlaneFixture _f = new();

    [Fact]
    public async Task Register_WhenValid_StoresAnApiBackendAndRunsIt()
    {
        var view = await Register("files", tags: ["fs"]);

        view.Origin.ShouldBe(BackendOrigin.Api);
        view.Enabled.ShouldBeTrue();
        view.Version.ShouldBe(1);
        view.Tags.ShouldBe(["fs"]);
        view.Runtime.Status.ShouldBe(BackendStatus.Connecting);
        _f.Repository.Snapshot().ShouldHaveSingleItem().Origin.ShouldBe(BackendOrigin.Api);
        _f.Runtime.Running("files").Disabled.ShouldBeFalse();
    }

    [Fact]
    public async Task Register_WhenTheNameIsTakenIgnoringCase_RefusesAndWritesNothing()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("Files")], waitForConnections: false, CancellationToken.None);
        var writes = _f.Repository.Writes;

        await Should.ThrowAsync<DuplicateNameException>(() => Register("files"));

        _f.Repository.Writes.ShouldBe(writes);
        _f.Repository.Snapshot().ShouldHaveSingleItem().Origin.ShouldBe(BackendOrigin.Config);
    }

    [Fact]
    public async Task Update_WhenTheVersionIsCurrent_ReplacesTheDefinition()
    {
        await Register("files");

        var view = await Handler().Handle(new UpdateBackendCommand("files", new BackendEdit { Command = "python", Args = ["server.py"], ExpectedVersion = 1 }), CancellationToken.None);

        view.Version.ShouldBe(2);
        view.Command.ShouldBe("python");
        _f.Runtime.Running("files").Stdio().Command.ShouldBe("python");
    }

    [Fact]
    public async Task Update_WhenTheVersionIsStale_RefusesAndKeepsTheStoredDefinition()
    {
        await Register("files");

        await Should.ThrowAsync<ConcurrencyConflictException>(() =>
            Handler().Handle(new UpdateBackendCommand("files", new BackendEdit { Command = "python", ExpectedVersion = 7 }), CancellationToken.None));

        _f.Repository.Snapshot().Single().Settings.Stdio().Command.ShouldBe("node");
    }

    [Fact]
    public async Task Update_WhenTheVersionIsStale_TheErrorNamesTheBackendNotItsId()
    {
        await Register("files");

        var conflict = await Should.ThrowAsync<ConcurrencyConflictException>(() =>
            Handler().Handle(new UpdateBackendCommand("files", new BackendEdit { Command = "python", ExpectedVersion = 7 }), CancellationToken.None));

        conflict.Message.ShouldBe("The backend 'files' was changed by someone else; reload it and try again.");
    }

    [Fact]
    public async Task Update_WhenTheBackendComesFromMcpJson_RefusesAsReadOnly()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("files")], false, CancellationToken.None);

        var error = await Should.ThrowAsync<DomainException>(() =>
            Handler().Handle(new UpdateBackendCommand("files", new BackendEdit { Command = "python", ExpectedVersion = 1 }), CancellationToken.None));

        error.Code.ShouldBe("backend.read_only");
        _f.Repository.Snapshot().Single().Settings.Stdio().Command.ShouldBe("node");
    }

    [Fact]
    public async Task Update_WhenTheBackendDoesNotExist_ThrowsNotFound() =>
        await Should.ThrowAsync<NotFoundException>(() =>
            Handler().Handle(new UpdateBackendCommand("ghost", new BackendEdit { Command = "node", ExpectedVersion = 1 }), CancellationToken.None));

    [Fact]
    public async Task Disable_WhenTheBackendComesFromMcpJson_TurnsItOffInThePool()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("files")], false, CancellationToken.None);

        var view = await new DisableBackendHandler(_f.Repository, _f.Catalog, _f.Pool, _f.Time).Handle(new DisableBackendCommand("files"), CancellationToken.None);

        view.Enabled.ShouldBeFalse();
        view.Runtime.Status.ShouldBe(BackendStatus.Disabled);
        _f.Runtime.Running("files").Disabled.ShouldBeTrue();

        var enabled = await new EnableBackendHandler(_f.Repository, _f.Catalog, _f.Pool, _f.Time).Handle(new EnableBackendCommand("files"), CancellationToken.None);

        enabled.Enabled.ShouldBeTrue();
        _f.Runtime.Running("files").Disabled.ShouldBeFalse();
    }

    [Fact]
    public async Task Remove_WhenTheBackendComesFromMcpJson_RefusesAsReadOnly()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("files")], false, CancellationToken.None);

        var error = await Should.ThrowAsync<DomainException>(() =>
            new RemoveBackendHandler(_f.Repository, _f.Catalog).Handle(new RemoveBackendCommand("files"), CancellationToken.None));

        error.Code.ShouldBe("backend.read_only");
        _f.Repository.Snapshot().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Remove_WhenTheBackendIsAnApiBackend_DeletesAndStopsIt()
    {
        await Register("files");

        await new RemoveBackendHandler(_f.Repository, _f.Catalog).Handle(new RemoveBackendCommand("files"), CancellationToken.None);

        _f.Repository.Snapshot().ShouldBeEmpty();
        _f.Runtime.Desired.ShouldBeEmpty();
    }

    [Fact]
    public async Task List_WhenBackendsOfBothOriginsExist_ReturnsThemByNameWithSecretsRedacted()
    {
        await _f.Catalog.SyncConfigAsync([ControlPlaneFixture.Stdio("zeta")], false, CancellationToken.None);
        await Register("alpha", env: new Dictionary<string, string> { ["TOKEN"] = "s3cret" });

        var list = await new ListBackendsHandler(_f.Repository, _f.Pool, _f.Requests, _f.Time).Handle(new ListBackendsQuery(), CancellationToken.None);

        list.Select(b => b.Name).ShouldBe(["alpha", "zeta"]);
        list[0].Env["TOKEN"].ShouldBe(BackendView.Redacted);
        list[1].Origin.ShouldBe(BackendOrigin.Config);
    }

    [Fact]
    public async Task Get_WhenTheBackendDoesNotExist_ThrowsNotFound() =>
        await Should.ThrowAsync<NotFoundException>(() =>
            new GetBackendHandler(_f.Repository, _f.Pool, _f.Requests, _f.Time).Handle(new GetBackendQuery("ghost"), CancellationToken.None));

    public void Dispose() => _f.Dispose();

    private UpdateBackendHandler Handler() => new(_f.Repository, _f.Catalog, _f.Assembler, _f.Pool, _f.Time);

    private Task<BackendView> Register(string name, string[]? tags = null, Dictionary<string, string>? env = null) =>
        new RegisterBackendHandler(_f.Repository, _f.Catalog, _f.Assembler, _f.Pool, _f.Time)
            .Handle(new RegisterBackendCommand { Name = name, Command = "node", Args = ["server.js"], Tags = tags, Env = env }, CancellationToken.None);
}
