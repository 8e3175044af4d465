using System.Collections.Concurrent;

namespace OneMcp.Application.Gateway.Sessions;

/// <summary>
/// Which token subject opened each MCP session. A session id is not a credential: another user's token
/// presenting it must find nothing there.
/// </summary>
public sealed class SessionOwners
{
    private readonly ConcurrentDictionary<string, (string Subject, GatewaySession Session)> _owners = new(StringComparer.Ordinal);

    public void Set(string sessionId, string subject, GatewaySession session) => _owners[sessionId] = (subject, session);

    public void Remove(string sessionId) => _owners.TryRemove(sessionId, out _);

    /// <summary>False when the session belongs to someone else; true when it is the subject's own or unknown here.</summary>
    public bool MayUse(string sessionId, string subject) =>
        !_owners.TryGetValue(sessionId, out var owner) || string.Equals(owner.Subject, subject, StringComparison.Ordinal);

    public GatewaySession? Find(string sessionId) => _owners.TryGetValue(sessionId, out var owner) ? owner.Session : null;
}
