using System.Net;
using System.Net.Sockets;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// The SSRF guard of the gateway's outbound OAuth requests (discovery, registration, token): a backend's answer
/// names the URLs the gateway fetches next, so a hostile or compromised backend could point it at a cloud
/// metadata service or another host's internals. Every connection is checked on the address actually connected
/// to, after the gateway's own DNS resolution, so a name that resolves (or re-resolves) to a refused address gets
/// nowhere. Link-local (which holds the cloud metadata services), unspecified, multicast and the known metadata
/// addresses are always refused; loopback only when the request allows it (its backend is itself on loopback).
/// </summary>
public sealed class OutboundAddressGuard(Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
{
    /// <summary>Set on a request whose backend is on loopback: only then may the connection go to a loopback address.</summary>
    public static readonly HttpRequestOptionsKey<bool> AllowLoopback = new("onemcp.oauth.allow-loopback");

    // Cloud metadata services outside the link-local ranges: Alibaba Cloud's, and AWS's IPv6 one.
    private static readonly IPAddress[] MetadataAddresses = [IPAddress.Parse("100.100.100.200"), IPAddress.Parse("fd00:ec2::254")];

    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve = resolve ?? Dns.GetHostAddressesAsync;

    /// <summary>
    /// An HTTP client whose every connection passes this guard; redirects are not followed, and no cookie is kept: the
    /// client serves every backend's and every user's OAuth requests, and one's cookie must not go out with another's.
    /// </summary>
    public static HttpClient CreateClient(Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null) =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = new OutboundAddressGuard(resolve).ConnectAsync,
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>Why the gateway does not connect to <paramref name="address"/> for OAuth; null when it may.</summary>
    public static string? Refusal(IPAddress address, bool allowLoopback)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IsNat64(address, out var embedded))
        {
            return Refusal(embedded, allowLoopback);
        }

        if (MetadataAddresses.Any(address.Equals))
        {
            return "a cloud metadata address";
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 => "an unspecified address",
                169 when b[1] == 254 => "a link-local address (cloud metadata services live there)",
                >= 224 and <= 239 => "a multicast address",
                255 when b[1] == 255 && b[2] == 255 && b[3] == 255 => "a broadcast address",
                127 when !allowLoopback => "a loopback address, and the backend is not on loopback",
                _ => null,
            };
        }

        if (address.Equals(IPAddress.IPv6Any))
        {
            return "an unspecified address";
        }

        if (address.IsIPv6LinkLocal)
        {
            return "a link-local address (cloud metadata services live there)";
        }

        if (address.IsIPv6Multicast)
        {
            return "a multicast address";
        }

        return IPAddress.IsLoopback(address) && !allowLoopback ? "a loopback address, and the backend is not on loopback" : null;
    }

    /// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves, drops refused addresses, connects to the rest.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var allowLoopback = context.InitialRequestMessage.Options.TryGetValue(AllowLoopback, out var allowed) && allowed;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _resolve(host, cancellationToken);
        var usable = addresses.Where(a => Refusal(a, allowLoopback) is null).ToArray();
        if (usable.Length == 0)
        {
            var reason = addresses.Length == 0 ? "no address" : $"{addresses[0]}, {Refusal(addresses[0], allowLoopback)}";
            throw new HttpRequestException($"The gateway does not send OAuth requests to {host}: it resolves to {reason}.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(usable, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // 64:ff9b::/96 (RFC 6052) carries an IPv4 address a NAT64 gateway will reach: judged as that address.
    private static bool IsNat64(IPAddress address, out IPAddress embedded)
    {
        embedded = address;
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var b = address.GetAddressBytes();
        if (b[0] != 0x00 || b[1] != 0x64 || b[2] != 0xff || b[3] != 0x9b || b.AsSpan(4, 8).ContainsAnyExcept((byte)0))
        {
            return false;
        }

        embedded = new IPAddress(b.AsSpan(12, 4));
        return true;
    }
}
