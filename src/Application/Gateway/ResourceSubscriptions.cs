using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway;

/// <summary>
/// Resource subscriptions of all sessions. The backend connection is shared, so the gateway subscribes
/// once per backend resource and unsubscribes when the last interested session leaves.
/// </summary>
public sealed class ResourceSubscriptions : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(ServerName Server, string Uri), int> _counts = [];

    public async ValueTask SubscribeAsync(GatewaySession session, IBackendConnection backend, string uri, string prefixedUri, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!session.AddSubscription(prefixedUri))
            {
                return;
            }

            var key = (backend.Name, uri);
            var count = _counts.GetValueOrDefault(key);
            if (count == 0)
            {
                try
                {
                    await backend.SubscribeAsync(uri, cancellationToken);
                }
                catch
                {
                    session.RemoveSubscription(prefixedUri);
                    throw;
                }
            }

            _counts[key] = count + 1;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask UnsubscribeAsync(GatewaySession session, IBackendConnection backend, string uri, string prefixedUri, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (session.RemoveSubscription(prefixedUri))
            {
                await ReleaseAsync(backend, uri, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drops every subscription of a session that closed.</summary>
    public async ValueTask ReleaseSessionAsync(GatewaySession session, IBackendPool pool, CancellationToken cancellationToken)
    {
        var prefixedUris = session.TakeSubscriptions();
        if (prefixedUris.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var prefixed in prefixedUris)
            {
                if (CapabilityName.TryParse(prefixed, out var server, out var uri) && pool.TryGet(server, out var backend))
                {
                    await ReleaseAsync(backend, uri, cancellationToken);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Subscribes a reconnected backend again to every resource sessions still follow on it.</summary>
    public async ValueTask ResubscribeAsync(IBackendConnection backend, CancellationToken cancellationToken)
    {
        if (!backend.Capabilities.SupportsResourceSubscribe)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var (key, _) in _counts)
            {
                if (key.Server == backend.Name)
                {
                    await backend.SubscribeAsync(key.Uri, cancellationToken);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask ReleaseAsync(IBackendConnection backend, string uri, CancellationToken cancellationToken)
    {
        var key = (backend.Name, uri);
        var count = _counts.GetValueOrDefault(key);
        if (count <= 1)
        {
            _counts.Remove(key);
            if (backend.State.Status == BackendStatus.Connected)
            {
                await backend.UnsubscribeAsync(uri, cancellationToken);
            }
        }
        else
        {
            _counts[key] = count - 1;
        }
    }

    public void Dispose() => _gate.Dispose();
}
