using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace OneMcp.Infrastructure.Settings;

/// <summary>The address the gateway listens on once it is bound: the only place <c>--port 0</c>'s port is known.</summary>
internal static class BoundAddress
{
    /// <summary><paramref name="url"/> with the port the server is bound to.</summary>
    /// <exception cref="InvalidOperationException">The server is not bound yet.</exception>
    public static Uri WithBoundPort(Uri url, IServer server)
    {
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)).FirstOrDefault(a => a.Port != 0)
            ?? throw new InvalidOperationException("The gateway's address is not known yet: it is known once the gateway listens.");
        return new UriBuilder(url) { Port = bound.Port }.Uri;
    }
}
