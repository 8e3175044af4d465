using MediatR;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Backends.Commands;
using OneMcp.Application.Presets.Commands;
using OneMcp.Application.Replication;
using OneMcp.Application.TagScopes.Commands;
using OneMcp.Application.Users.Commands;
using OneMcp.Infrastructure.Identity;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Replication;

/// <summary>What is published on the change feed, and when: after a committed change, never for one heard from elsewhere.</summary>
public sealed class ChangeFeedPublishingTests : IDisposable
{
    private readonly RecordingChangeFeed _feed = new();
    private readonly ReactionsFixture _f = new();

    public void Dispose() => _f.Dispose();

    public static TheoryData<object, GatewayChange> Commands() => new()
    {
        { new CreatePresetCommand { Name = "team", Expression = "web" }, new GatewayChange(GatewayChangeKind.Presets, "team") },
        { new UpdatePresetCommand("team", new PresetEdit()), new GatewayChange(GatewayChangeKind.Presets, "team") },
        { new DeletePresetCommand("team"), new GatewayChange(GatewayChangeKind.Presets, "team") },
        { new SetTagScopeCommand("web", null), new GatewayChange(GatewayChangeKind.TagScopes, "web") },
        { new AddUserCommand { UserName = "bob" }, new GatewayChange(GatewayChangeKind.Users, "bob") },
        { new UpdateUserCommand("bob", null), new GatewayChange(GatewayChangeKind.Users, "bob") },
        { new RemoveUserCommand("bob"), new GatewayChange(GatewayChangeKind.Users, "bob") },
        { new SetPasswordCommand("bob", "secret"), new GatewayChange(GatewayChangeKind.Users, "bob") },
        { new Application.Backends.OAuth.RestartBackendOAuthCommand("alpha"), new GatewayChange(GatewayChangeKind.BackendCredentials, "alpha") },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Behaviour_WhenTheCommandSucceeds_PublishesItsChange(object command, GatewayChange expected)
    {
        await new ChangeFeedBehaviour<object, string>(_feed).Handle(command, CancellationToken.None, () => Task.FromResult("done"));

        _feed.Published.ShouldBe([expected]);
    }

    [Fact]
    public async Task Behaviour_WhenTheCommandFails_PublishesNothing()
    {
        await Should.ThrowAsync<InvalidOperationException>(() =>
            new ChangeFeedBehaviour<RemoveUserCommand, Unit>(_feed).Handle(new RemoveUserCommand("bob"), CancellationToken.None, () => throw new InvalidOperationException("refused")));

        _feed.Published.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("approved", true)]
    [InlineData("denied", false)]
    public async Task Behaviour_ABackendConnectionDecision_IsPublishedOnlyWhenApproved(string status, bool published)
    {
        var view = new AuthorizationRequestView(Guid.NewGuid(), "backendConnection", status, "alice", null, null, "alpha", [], [], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        await new ChangeFeedBehaviour<DecideAuthorizationRequestCommand, AuthorizationRequestView>(_feed)
            .Handle(new DecideAuthorizationRequestCommand(view.Id, "alice", Approve: published), CancellationToken.None, () => Task.FromResult(view));

        _feed.Published.ShouldBe(published ? [new GatewayChange(GatewayChangeKind.BackendCredentials, "alpha")] : []);
    }

    [Fact]
    public async Task Behaviour_AQuery_PublishesNothing()
    {
        await new ChangeFeedBehaviour<object, string>(_feed).Handle(new Application.Presets.Queries.ListPresetsQuery(), CancellationToken.None, () => Task.FromResult("list"));

        _feed.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task Catalog_AChangeIsPublished_AReloadIsNot()
    {
        await _f.StoreBackendAsync("alpha");
        var catalog = _f.ControlPlane.Catalog;

        await new DisableBackendHandler(_f.ControlPlane.Repository, catalog, _f.ControlPlane.Pool, _f.ControlPlane.Time).Handle(new DisableBackendCommand("alpha"), CancellationToken.None);
        await catalog.ReloadAsync(CancellationToken.None);

        _f.ControlPlane.Changes.Published.ShouldBe([new GatewayChange(GatewayChangeKind.Backends)]);
    }

    [Fact]
    public async Task Catalog_AConfigSync_IsPublishedOnlyWhenItChangedSomething()
    {
        var catalog = _f.ControlPlane.Catalog;
        var configured = new[] { ControlPlane.ControlPlaneFixture.Stdio("alpha") };

        await catalog.SyncConfigAsync(configured, waitForConnections: false, CancellationToken.None);
        await catalog.SyncConfigAsync(configured, waitForConnections: false, CancellationToken.None);

        _f.ControlPlane.Changes.Published.ShouldBe([new GatewayChange(GatewayChangeKind.Backends)]);
    }

    [Fact]
    public async Task OAuthStoreChanges_ALocalChangeIsPublished_OneFromElsewhereOnlyMovesTheVersion()
    {
        var changes = new OAuthStoreChanges(_feed);

        await using (OAuthStoreChanges.After(changes))
        {
            changes.Version.ShouldBe(0);
        }

        changes.Version.ShouldBe(1);
        changes.ChangedElsewhere();
        changes.Version.ShouldBe(2);
        _feed.Published.ShouldBe([new GatewayChange(GatewayChangeKind.OAuthTokens)]);
    }
}
