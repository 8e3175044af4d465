using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace OneMcp.Infrastructure.Identity;

/// <summary>The key under which per-address limits count a caller (the rate limits and the sign-in throttle).</summary>
internal static class ClientAddress
{
    /// <summary>
    /// An IPv4 address as it is (an IPv4-mapped IPv6 address as its IPv4 form); an IPv6 address by its /64 network:
    /// one subscriber is usually handed a whole /64, so limits on single IPv6 addresses would be dodged by rotating
    /// through it. The address is the connection's, or the one a trusted proxy forwarded (UseForwardedHeaders).
    /// </summary>
    public static string Key(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public static string Key(HttpContext context) => Key(context.Connection.RemoteIpAddress);
}
