using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Listening;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.UnitTests.TestDoubles;

namespace OneMcp.UnitTests.Gateway;

/// <summary>The gateway's data plane wired as in <c>AddApplication</c>, over fakes.</summary>
public sealed class EngineFixture : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private int _sessions;

    public EngineFixture(params IEnumerable<FakeBackend> backends)
    {
        Pool = new FakePool(backends);
        Engine = new GatewayEngine(Pool, Catalog, InFlight, Subscriptions, Audit, TimeProvider.System);
        Listening = new ListenService(Engine, Subscriptions, Pool, Listeners, NullLogger<ListenService>.Instance);
        Router = new SessionRouter(Registry, InFlight, Subscriptions, Listeners, NullLogger<SessionRouter>.Instance);
    }

    public FakePool Pool { get; }

    public RecordingAuditLog Audit { get; } = new();

    public CapabilityCatalog Catalog { get; } = new();

    public InFlightRequests InFlight { get; } = new();

    public ResourceSubscriptions Subscriptions { get; } = new();

    public SessionRegistry Registry { get; } = new();

    public ListenerRegistry Listeners { get; } = new();

    public ListenService Listening { get; }

    public GatewayEngine Engine { get; }

    public SessionRouter Router { get; }

    /// <summary>A registered, attached session; <paramref name="tags"/> / <paramref name="tagFilter"/> are the query parameters.</summary>
    public GatewaySession Session(string? tags = null, string? tagFilter = null, RecordingPeer? peer = null)
    {
        var id = $"s{Interlocked.Increment(ref _sessions)}";
        var session = new GatewaySession(id, SessionFilter.FromQuery(tags, tagFilter, null, _ => null));
        session.Attach(peer ?? new RecordingPeer($"{id}-peer"));
        Registry.Add(session);
        return session;
    }

    public static RecordingPeer PeerOf(GatewaySession session) => (RecordingPeer)session.Peer;

    public void Dispose() => Subscriptions.Dispose();
}
