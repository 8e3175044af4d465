using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Backends;

/// <summary>A backend's client transport whose sessions put the caller's log level back into 2026-07-28 requests (<see cref="LogLevelForwardingSessionTransport"/>).</summary>
internal sealed class LogLevelForwardingTransport(IClientTransport inner) : IClientTransport
{
    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new LogLevelForwardingSessionTransport(await inner.ConnectAsync(cancellationToken));
}
