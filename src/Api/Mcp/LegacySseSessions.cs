using System.Collections.Concurrent;

namespace OneMcp.Api.Mcp;

/// <summary>
/// The legacy SSE sessions (<c>GET /sse</c>) this process serves, by the id of their message URL, and whether each has
/// ended. The SDK keeps taking messages for a session after it stopped reading them (its stream closed, the gateway
/// releasing it) until it has let go of the session entirely: such a message was answered 202 and never served, or a
/// bare 500. The gateway refuses it as a message for an unknown session instead (ADR 0053).
/// </summary>
internal sealed class LegacySseSessions
{
    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    /// <summary>
    /// Records a session as its server starts. <paramref name="running"/> is cancelled when its stream closes or the
    /// gateway stops. The session is forgotten once its <c>GET /sse</c> request has completed: the SDK has let go of it
    /// by then, and answers its messages as those of an unknown session itself.
    /// </summary>
    public void Started(HttpContext stream, string sessionId, CancellationToken running)
    {
        var entry = new Entry(running);
        _sessions[sessionId] = entry;
        stream.Response.OnCompleted(() =>
        {
            _sessions.TryRemove(new KeyValuePair<string, Entry>(sessionId, entry));
            return Task.CompletedTask;
        });
    }

    /// <summary>The session's server has stopped: nothing it is sent from now on is read.</summary>
    public void Ended(string sessionId)
    {
        if (_sessions.TryGetValue(sessionId, out var entry))
        {
            entry.Ended = true;
        }
    }

    /// <summary>True for a session of this process (running or ending).</summary>
    public bool Contains(string sessionId) => _sessions.ContainsKey(sessionId);

    /// <summary>True for a session of this process that no longer reads its messages.</summary>
    public bool HasEnded(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var entry) && (entry.Ended || entry.Running.IsCancellationRequested);

    private sealed class Entry(CancellationToken running)
    {
        public CancellationToken Running { get; } = running;

        public volatile bool Ended;
    }
}
