using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Listening;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Application.Presets;
using OneMcp.Application.Connections;
using OneMcp.Application.Replication;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Presets;
using OneMcp.UnitTests.Connections;
using OneMcp.UnitTests.ControlPlane;
using OneMcp.UnitTests.TestDoubles;
using OneMcp.UnitTests.Users;

namespace OneMcp.UnitTests.Replication;

/// <summary>The reactions to other replicas' changes over in-memory stores, a recording runtime and real sessions.</summary>
internal sealed class ReactionsFixture : IDisposable
{
    private readonly InFlightRequests _inFlight = new();
    private readonly ResourceSubscriptions _subscriptions = new();

    public ReactionsFixture()
    {
        Router = new SessionRouter(Sessions, _inFlight, _subscriptions, Listeners, NullLogger<SessionRouter>.Instance);
        Reactions = new ChangeFeedReactions(
            ControlPlane.Catalog, ControlPlane.Repository, OAuth, ControlPlane.Runtime, Presets, Router, Sessions, Listeners, [Caches],
            new UserConnectionChanges(Instances, ControlPlane.Changes), Users, Log);
    }

    public ControlPlaneFixture ControlPlane { get; } = new();

    public InMemoryPresetRepository Presets { get; } = new();

    public SessionRegistry Sessions { get; } = new();

    public ListenerRegistry Listeners { get; } = new();

    public ReloadingBackendOAuth OAuth { get; } = new();

    public RecordingInstances Instances { get; } = new();

    public InMemoryUserRepository Users { get; } = new();

    public RecordingLogger<ChangeFeedReactions> Log { get; } = new();

    public CountingOAuthCaches Caches { get; } = new();

    public SessionRouter Router { get; }

    public ChangeFeedReactions Reactions { get; }

    /// <summary>Stores a backend as another replica would have (nothing runs it here yet).</summary>
    public Task StoreBackendAsync(string name, params string[] tags) =>
        ControlPlane.Repository.AddAsync(BackendService.Register(ControlPlaneFixture.Stdio(name, tags), BackendOrigin.Api, ControlPlane.Time.GetUtcNow()), CancellationToken.None);

    public Task StorePresetAsync(string name, string expression) =>
        Presets.AddAsync(Preset.Create(name, expression, string.Empty, TagFilterGrammar.Instance, ControlPlane.Time.GetUtcNow()), CancellationToken.None);

    /// <summary>A session attached to a peer, opened with <paramref name="preset"/> when it read <paramref name="expression"/>.</summary>
    public (GatewaySession Session, RecordingPeer Peer) Open(string preset, string expression)
    {
        var session = new GatewaySession($"s{Sessions.Count}", SessionFilter.FromQuery(null, null, preset, _ => expression));
        var peer = new RecordingPeer();
        session.Attach(peer);
        Sessions.Add(session);
        return (session, peer);
    }

    public void Dispose()
    {
        _subscriptions.Dispose();
        ControlPlane.Dispose();
    }
}
