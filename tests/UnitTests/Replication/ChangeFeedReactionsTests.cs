using ModelContextProtocol.Protocol;
using OneMcp.Application.Connections;
using OneMcp.Application.Replication;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.Replication;

public sealed class ChangeFeedReactionsTests : IDisposable
{
    private static readonly IReadOnlyCollection<Tag> Web = [Tag.From("web")];
    private static readonly IReadOnlyCollection<Tag> Db = [Tag.From("db")];
    private readonly ReactionsFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Backends_ThePoolFollowsTheStoredBackends_AndNothingIsPublishedAgain()
    {
        await _f.StoreBackendAsync("alpha");
        await _f.StoreBackendAsync("beta");

        await _f.Reactions.ApplyAsync(new GatewayChange(GatewayChangeKind.Backends), CancellationToken.None);

        _f.ControlPlane.Runtime.Desired.Select(s => s.Name.Value).ShouldBe(["alpha", "beta"], ignoreOrder: true);
        _f.ControlPlane.Changes.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task BackendCredentials_TheTokensAreReadAgainAndTheBackendReconnects()
    {
        await _f.Reactions.ApplyAsync(new GatewayChange(GatewayChangeKind.BackendCredentials, "alpha"), CancellationToken.None);

        _f.OAuth.Reloaded.ShouldBe(["alpha"]);
        _f.ControlPlane.Runtime.Reconnected.ShouldBe(["alpha"]);
    }

    [Fact]
    public async Task UserConnections_ThatOwnersInstanceIsReleased_AndNothingIsPublishedAgain()
    {
        await _f.Reactions.ApplyAsync(new GatewayChange(GatewayChangeKind.UserConnections, "alpha/u1"), CancellationToken.None);
        await _f.Reactions.ApplyAsync(new GatewayChange(GatewayChangeKind.UserConnections, "*/u2"), CancellationToken.None);

        _f.Instances.Released.ShouldBe([(ServerName.From("alpha"), new ConnectionOwner("u1")), (null, new ConnectionOwner("u2"))]);
        _f.ControlPlane.Changes.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task Resynchronise_ReleasesEveryUsersInstances_AndTheLocalOnes()
    {
        var bob = OneMcp.Domain.Users.User.Create("bob", "hash", OneMcp.Domain.Users.UserRole.Member, _f.ControlPlane.Time.GetUtcNow());
        await _f.Users.AddAsync(bob, CancellationToken.None);

        await _f.Reactions.ResynchroniseAsync(CancellationToken.None);

        _f.Instances.Released.ShouldBe([(null, ConnectionOwner.Local), (null, ConnectionOwner.Of(bob.Id))], ignoreOrder: true);
        _f.ControlPlane.Changes.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task Resynchronise_ReleasesTheInstancesOfAUserRemovedMeanwhile()
    {
        // Removed on another replica while this one missed the feed: no user any more, but their connection runs here.
        var removed = new ConnectionOwner(Guid.NewGuid().ToString("D"));
        _f.Instances.Owners.Add(removed);

        await _f.Reactions.ResynchroniseAsync(CancellationToken.None);

        _f.Instances.Released.ShouldContain((null, removed));
    }

    [Fact]
    public async Task UserConnections_ANameThatIsNotOne_ReleasesNothing_AndIsLogged()
    {
        await _f.Reactions.ApplyAsync(new GatewayChange(GatewayChangeKind.UserConnections, "no-owner"), CancellationToken.None);

        _f.Instances.Released.ShouldBeEmpty();
        _f.Log.Entries.ShouldContain(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("no-owner"));
    }

    [Fact]
    public async Task Presets_SessionsOpenedWithTheChangedPresetFollowIt_AndGetListChanged()
    {
        await _f.StorePresetAsync("team", "db");
        var (session, peer) = _f.Open("team", "web");
        var (other, otherPeer) = _f.Open("other", "web");

        await _f.Reactions.ApplyAsync(new GatewayChange(GatewayChangeKind.Presets, "team"), CancellationToken.None);

        session.Filter.Allows(Db).ShouldBeTrue();
        session.Filter.Allows(Web).ShouldBeFalse();
        peer.Methods.ShouldContain(NotificationMethods.ToolListChangedNotification);
        other.Filter.Allows(Web).ShouldBeTrue();
        otherPeer.Methods.ShouldBeEmpty();
    }

    [Fact]
    public async Task Presets_WhenThePresetWasDeleted_ItsSessionsSeeNothing_AsAfterALocalDelete()
    {
        var (session, peer) = _f.Open("gone", "web");

        await _f.Reactions.ApplyAsync(new GatewayChange(GatewayChangeKind.Presets, "gone"), CancellationToken.None);

        session.Filter.Allows(Web).ShouldBeFalse();
        session.Filter.Allows([]).ShouldBeFalse();
        peer.Methods.ShouldContain(NotificationMethods.ToolListChangedNotification);
    }

    [Theory]
    [InlineData(GatewayChangeKind.Users)]
    [InlineData(GatewayChangeKind.TagScopes)]
    [InlineData(GatewayChangeKind.OAuthTokens)]
    public async Task UsersTagScopesAndTokens_CachedTokenValidationsAreDropped(GatewayChangeKind kind)
    {
        await _f.Reactions.ApplyAsync(new GatewayChange(kind, "bob"), CancellationToken.None);

        _f.Caches.Dropped.ShouldBe(1);
        _f.ControlPlane.Runtime.Applies.ShouldBe(0);
    }

    [Fact]
    public async Task Resynchronise_BringsEverythingToTheStoredState()
    {
        await _f.StoreBackendAsync("alpha");
        await _f.StoreBackendAsync("beta");
        await _f.StorePresetAsync("team", "db");
        var (team, teamPeer) = _f.Open("team", "web");
        var (gone, gonePeer) = _f.Open("gone", "web");
        _f.OAuth.Changed.Add("beta");

        await _f.Reactions.ResynchroniseAsync(CancellationToken.None);

        _f.ControlPlane.Runtime.Desired.Select(s => s.Name.Value).ShouldBe(["alpha", "beta"], ignoreOrder: true);
        team.Filter.Allows(Db).ShouldBeTrue();
        teamPeer.Methods.ShouldContain(NotificationMethods.ToolListChangedNotification);
        gone.Filter.Allows(Web).ShouldBeFalse();
        gonePeer.Methods.ShouldContain(NotificationMethods.ToolListChangedNotification);
        _f.Caches.Dropped.ShouldBe(1);
        _f.OAuth.Reloaded.ShouldBe(["alpha", "beta"], ignoreOrder: true);

        // Only the backend whose tokens came or went reconnects.
        _f.ControlPlane.Runtime.Reconnected.ShouldBe(["beta"]);
        _f.ControlPlane.Changes.Published.ShouldBeEmpty();
    }

    [Fact]
    public async Task Resynchronise_WhenAPresetIsUnchanged_ItsSessionsAreNotDisturbed()
    {
        await _f.StorePresetAsync("team", "web");
        var (_, peer) = _f.Open("team", "web");

        await _f.Reactions.ResynchroniseAsync(CancellationToken.None);

        peer.Methods.ShouldBeEmpty();
    }
}
