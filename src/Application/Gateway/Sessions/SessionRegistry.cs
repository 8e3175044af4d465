using System.Collections.Concurrent;

namespace OneMcp.Application.Gateway.Sessions;

/// <summary>The live client sessions, so that backend events can be routed to the sessions they concern.</summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public IEnumerable<GatewaySession> All => _sessions.Values;

    public void Add(GatewaySession session)
    {
        if (!_sessions.TryAdd(session.Id, session))
        {
            throw new InvalidOperationException($"A session with id {session.Id} is already registered.");
        }
    }

    public bool Remove(string id, out GatewaySession? session) => _sessions.TryRemove(id, out session);

    public bool TryGet(string id, out GatewaySession? session) => _sessions.TryGetValue(id, out session);
}
