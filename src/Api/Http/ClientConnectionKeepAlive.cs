using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace OneMcp.Api.Http;

/// <summary>
/// TCP keepalive on the gateway's listening socket, which the connections it accepts inherit: a client that vanished
/// without closing its connection (a laptop that slept, a network that changed) is noticed after about two minutes of
/// silence, and the connection ends. Without it the open <c>GET /mcp</c> or <c>/sse</c> stream of such a client kept
/// its session from ever idling out, with its subscriptions and its place in the active-session count.
/// </summary>
internal static class ClientConnectionKeepAlive
{
    /// <summary>Silence on a connection before the first probe.</summary>
    public static readonly TimeSpan Idle = TimeSpan.FromSeconds(60);

    /// <summary>Time between unanswered probes.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    /// <summary>Unanswered probes after which the connection is ended.</summary>
    public const int Probes = 4;

    /// <summary>Kestrel's own listening socket, with keepalive on when it is TCP.</summary>
    public static Socket CreateListenSocket(EndPoint endpoint)
    {
        var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        if (socket.ProtocolType == ProtocolType.Tcp)
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, (int)Idle.TotalSeconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, (int)Interval.TotalSeconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, Probes);
        }

        return socket;
    }
}
