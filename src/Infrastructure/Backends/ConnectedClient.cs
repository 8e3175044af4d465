using System.Diagnostics.CodeAnalysis;
using ModelContextProtocol.Client;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// One connection of a backend, from its connect until it is closed or replaced (its settings edited, the backend
/// disabled, removed or reconnected): its SDK client, its direct calls, and <see cref="Closed"/>, which every request
/// sent over it is linked to (ADR 0059). Closing it ends those requests at once with why, before the client is disposed:
/// a call in flight is never left waiting for an answer the old connection will not bring, nor sent again. A lost
/// session does not close it with a reason (the supervisor replaces it without one, see ADR 0059).
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The close is a token without a timer or wait handle, and a request that began before the close may still link to it.")]
internal sealed class ConnectedClient(McpClient client, IDirectCalls? direct)
{
    private readonly CancellationTokenSource _closed = new();
    private string? _why;

    public McpClient Client => client;

    /// <summary>The calls that skip the client's pipeline (ADR 0039, ADR 0044); null for a legacy SSE backend.</summary>
    public IDirectCalls? Direct => direct;

    /// <summary>Cancelled once the connection is closed.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>What happened to the backend, as the error of a call it ended says it ("was restarted"); null while open.</summary>
    public string? Why => Volatile.Read(ref _why);

    /// <summary>Ends the requests in flight over this connection, saying <paramref name="why"/>; only the first close counts.</summary>
    public void Close(string why)
    {
        if (Interlocked.CompareExchange(ref _why, why, null) is not null)
        {
            return;
        }

        try
        {
            _closed.Cancel();
        }
        catch (AggregateException)
        {
            // A request's own cancellation callback failed: that request ends anyway, and the close goes on.
        }
    }
}
