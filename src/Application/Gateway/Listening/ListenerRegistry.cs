using System.Collections.Concurrent;

namespace OneMcp.Application.Gateway.Listening;

/// <summary>
/// The open <c>subscriptions/listen</c> streams, so that backend events reach them as they reach sessions.
/// A listener is registered for exactly as long as its stream is open.
/// </summary>
public sealed class ListenerRegistry
{
    private readonly ConcurrentDictionary<string, Listener> _listeners = new(StringComparer.Ordinal);

    public int Count => _listeners.Count;

    public IEnumerable<Listener> All => _listeners.Values;

    public void Add(Listener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (!_listeners.TryAdd(listener.Session.Id, listener))
        {
            throw new InvalidOperationException($"A listener with id {listener.Session.Id} is already registered.");
        }
    }

    public bool Remove(Listener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return _listeners.TryRemove(new KeyValuePair<string, Listener>(listener.Session.Id, listener));
    }
}
