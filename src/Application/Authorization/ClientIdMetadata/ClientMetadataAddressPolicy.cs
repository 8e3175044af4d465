using System.Net;
using System.Net.Sockets;

namespace OneMcp.Application.Authorization.ClientIdMetadata;

/// <summary>
/// Which addresses the gateway may connect to when it fetches a client's metadata document: public unicast only, so a
/// client id cannot make the gateway reach into its own network (SSRF). Loopback is allowed only while the gateway
/// itself runs on loopback for development.
/// </summary>
public static class ClientMetadataAddressPolicy
{
    /// <summary>Whether the gateway may open a connection to <paramref name="address"/>.</summary>
    public static bool MayConnect(IPAddress address, bool allowLoopback)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return allowLoopback;
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    private static bool IsPublicV4(byte[] b) => !(
        b[0] == 0                                      // 0.0.0.0/8: this network, unspecified
        || b[0] == 10                                  // 10/8 private
        || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)  // 100.64/10 carrier-grade NAT
        || b[0] == 127                                 // loopback
        || (b[0] == 169 && b[1] == 254)                // link-local (and cloud metadata services)
        || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)   // 172.16/12 private
        || (b[0] == 192 && b[1] == 0 && b[2] == 0)     // 192.0.0/24 protocol assignments
        || (b[0] == 192 && b[1] == 168)                // 192.168/16 private
        || (b[0] == 198 && (b[1] == 18 || b[1] == 19)) // 198.18/15 benchmarking
        || b[0] >= 224);                               // multicast, reserved, broadcast

    private static bool IsPublicV6(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return !(
            address.Equals(IPAddress.IPv6None)
            || address.Equals(IPAddress.IPv6Any)
            || address.IsIPv6LinkLocal                  // fe80::/10
            || address.IsIPv6SiteLocal                  // fec0::/10
            || address.IsIPv6Multicast                  // ff00::/8
            || (b[0] & 0xFE) == 0xFC                    // fc00::/7 unique local
            || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) // 2001:db8::/32 documentation
            || address.IsIPv6Teredo
            || (b[0] == 0x20 && b[1] == 0x02)           // 2002::/16 6to4 wraps an IPv4 address
            || b.Take(12).All(x => x == 0));            // ::/96 (IPv4-compatible, unspecified)
    }
}
