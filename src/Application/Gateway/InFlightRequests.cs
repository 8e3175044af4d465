using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway;

/// <summary>
/// Which sessions have a request running on which backend. A backend connection is shared by every
/// session, and a backend's sampling, elicitation or roots request carries no reference to the client
/// request that caused it, so this is how the gateway finds the client to ask.
/// </summary>
public sealed class InFlightRequests
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ServerName, Dictionary<GatewaySession, List<IClientPeer>>> _byServer = [];

    /// <summary>
    /// Records that <paramref name="session"/> is waiting on <paramref name="server"/>; questions the backend
    /// asks meanwhile go to <paramref name="caller"/>, the request's own channel to the client.
    /// </summary>
    public Scope Enter(ServerName server, GatewaySession session, IClientPeer caller)
    {
        lock (_gate)
        {
            if (!_byServer.TryGetValue(server, out var sessions))
            {
                sessions = [];
                _byServer[server] = sessions;
            }

            if (!sessions.TryGetValue(session, out var callers))
            {
                callers = [];
                sessions[session] = callers;
            }

            callers.Add(caller);
        }

        return new Scope(this, server, session, caller);
    }

    /// <summary>
    /// For each session with a request running on <paramref name="server"/>, the channel to ask it on: that of
    /// its most recent request still running.
    /// </summary>
    public IReadOnlyList<IClientPeer> CallersOn(ServerName server) => CallersOn(server, static _ => true);

    /// <summary><see cref="CallersOn(ServerName)"/> among the sessions <paramref name="of"/> admits.</summary>
    public IReadOnlyList<IClientPeer> CallersOn(ServerName server, Func<GatewaySession, bool> of)
    {
        ArgumentNullException.ThrowIfNull(of);
        lock (_gate)
        {
            return _byServer.TryGetValue(server, out var sessions)
                ? [.. sessions.Where(s => of(s.Key)).Select(s => s.Value[^1])]
                : [];
        }
    }

    /// <summary>Every request running on <paramref name="server"/>: its session and its own channel to the client.</summary>
    public IReadOnlyList<(GatewaySession Session, IClientPeer Caller)> RequestsOn(ServerName server)
    {
        lock (_gate)
        {
            return _byServer.TryGetValue(server, out var sessions)
                ? [.. sessions.SelectMany(s => s.Value.Select(caller => (s.Key, caller)))]
                : [];
        }
    }

    private void Exit(ServerName server, GatewaySession session, IClientPeer caller)
    {
        lock (_gate)
        {
            if (!_byServer.TryGetValue(server, out var sessions) || !sessions.TryGetValue(session, out var callers))
            {
                return;
            }

            callers.Remove(caller);
            if (callers.Count == 0)
            {
                sessions.Remove(session);
                if (sessions.Count == 0)
                {
                    _byServer.Remove(server);
                }
            }
        }
    }

    public readonly struct Scope(InFlightRequests owner, ServerName server, GatewaySession session, IClientPeer caller) : IDisposable
    {
        public void Dispose() => owner?.Exit(server, session, caller);
    }
}
