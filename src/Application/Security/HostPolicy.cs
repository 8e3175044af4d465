using System.Collections.Concurrent;
using System.Net;

namespace OneMcp.Application.Security;

/// <summary>
/// The DNS-rebinding rules: a page on another site that resolves its own name to this machine must not be able to
/// talk to the gateway. A request is served only when its Host names the gateway (its external URL's host, or a
/// loopback name when the gateway is bound to loopback or to every interface), a loopback Host name comes from this
/// machine, and a browser Origin, when present, is one of the gateway's own origins (scheme, host and port).
/// </summary>
public sealed class HostPolicy
{
    /// <summary>Host header values whose verdict is remembered; past it a new value is judged each time.</summary>
    internal const int MaxRememberedHosts = 64;

    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]", "::1"];
    private readonly HashSet<string> _allowed = new(StringComparer.OrdinalIgnoreCase);
    private readonly Uri? _externalUrl;

    // Every request carries one of a handful of Host values: parsing it again (twice: the relay and
    // the guard) was about 1 % of the gateway's samples in a 2026-07-28 call.
    // The key is the header as sent (any case, any port), so a client cannot make one value stand for another; the
    // bound keeps a client that sends many values from growing it.
    private readonly ConcurrentDictionary<string, HostVerdict> _verdicts = new(StringComparer.Ordinal);

    private enum HostVerdict
    {
        Refused,
        Allowed,

        /// <summary>Allowed from this machine only.</summary>
        Loopback,
    }

    public HostPolicy(string bindHost, Uri? externalUrl)
    {
        ArgumentNullException.ThrowIfNull(bindHost);
        _externalUrl = externalUrl;
        var bindIsLoopbackOrAny = IsLoopback(bindHost) || bindHost is "0.0.0.0" or "::" or "[::]" or "*" or "+";
        if (externalUrl is not null)
        {
            _allowed.Add(externalUrl.IdnHost);
            if (bindIsLoopbackOrAny || IsLoopback(externalUrl.IdnHost))
            {
                _allowed.UnionWith(LoopbackNames);
            }
        }
        else if (bindIsLoopbackOrAny)
        {
            _allowed.UnionWith(LoopbackNames);
            if (!IsLoopback(bindHost))
            {
                // Bound to every interface with no external URL: only loopback names are known to be ours.
                return;
            }
        }
        else
        {
            _allowed.Add(bindHost.Trim('[', ']'));
        }
    }

    public bool IsAllowedHost(string? hostHeader) => IsAllowedHost(hostHeader, remoteAddress: null);

    /// <summary>
    /// Whether the Host header names the gateway for a peer at <paramref name="remoteAddress"/> (null: a peer
    /// with no network address, in-process or a Unix socket). A loopback name is only ever true on this machine:
    /// from any other address it is a forged header trying to pass as local, so it is refused.
    /// </summary>
    public bool IsAllowedHost(string? hostHeader, IPAddress? remoteAddress)
    {
        if (string.IsNullOrEmpty(hostHeader))
        {
            return false;
        }

        if (!_verdicts.TryGetValue(hostHeader, out var verdict))
        {
            verdict = Judge(hostHeader);
            if (_verdicts.Count < MaxRememberedHosts)
            {
                _verdicts.TryAdd(hostHeader, verdict);
            }
        }

        return verdict switch
        {
            HostVerdict.Allowed => true,
            HostVerdict.Loopback => remoteAddress is null || IsLoopback(remoteAddress),
            _ => false,
        };
    }

    private HostVerdict Judge(string hostHeader)
    {
        if (!TrySplitHost(hostHeader, out var host, out _) || (!_allowed.Contains(host) && !_allowed.Contains($"[{host}]")))
        {
            return HostVerdict.Refused;
        }

        return IsLoopback(host) ? HostVerdict.Loopback : HostVerdict.Allowed;
    }

    public bool IsAllowedOrigin(IReadOnlyList<string?> origin) => IsAllowedOrigin(origin, localPort: null);

    /// <summary>
    /// Whether a browser Origin is the gateway's own: the external URL's origin (scheme, host and port alike),
    /// or plain http to an allowed host name on the port the request arrived on (<paramref name="localPort"/>;
    /// null accepts the external URL's origin only when there is one). A page on another port of the same host
    /// is another site (another origin) and is refused.
    /// </summary>
    public bool IsAllowedOrigin(IReadOnlyList<string?> origin, int? localPort)
    {
        if (origin.Count == 0)
        {
            return true;
        }

        ArgumentNullException.ThrowIfNull(origin);
        if (origin.Count > 1 || !Uri.TryCreate(origin[0], UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return false;
        }

        if (_externalUrl is not null
            && string.Equals(uri.Scheme, _externalUrl.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.IdnHost, _externalUrl.IdnHost, StringComparison.OrdinalIgnoreCase)
            && uri.Port == _externalUrl.Port)
        {
            return true;
        }

        // Reached directly: Kestrel serves plain http only, on the port the connection came in on.
        return uri.Scheme == Uri.UriSchemeHttp
            && localPort is { } port && uri.Port == port
            && (_allowed.Contains(uri.IdnHost) || _allowed.Contains($"[{uri.IdnHost}]"));
    }

    /// <summary>
    /// Why a request is refused, or null when it may be served: its Host header (<paramref name="host"/>, null when
    /// absent or repeated) from a peer at <paramref name="remoteAddress"/>, and its Origin header values, on the
    /// port the connection came in on (<paramref name="localPort"/>, null when unknown).
    /// </summary>
    public string? Refusal(string? host, IPAddress? remoteAddress, IReadOnlyList<string?> origin, int? localPort)
    {
        if (!IsAllowedHost(host, remoteAddress))
        {
            return "Forbidden host header: this gateway does not serve that host name to this client.";
        }

        return IsAllowedOrigin(origin, localPort)
            ? null
            : "Forbidden origin header: requests from that web origin are not accepted.";
    }

    /// <summary>True for <c>localhost</c> and loopback addresses (127.0.0.0/8, ::1).</summary>
    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IsLoopback(address));

    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d, which IPAddress.IsLoopback does not see as loopback.
    private static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    private static bool TrySplitHost(string hostHeader, out string host, out int? port)
    {
        host = string.Empty;
        port = null;
        if (hostHeader.StartsWith('['))
        {
            var end = hostHeader.IndexOf(']', StringComparison.Ordinal);
            if (end < 0 || (end + 1 < hostHeader.Length && hostHeader[end + 1] != ':'))
            {
                return false;
            }

            host = hostHeader[..(end + 1)];
            if (end + 1 < hostHeader.Length)
            {
                if (!int.TryParse(hostHeader.AsSpan(end + 2), out var bracketedPort))
                {
                    return false;
                }

                port = bracketedPort;
            }

            return IPAddress.TryParse(host.Trim('[', ']'), out _);
        }

        var colon = hostHeader.IndexOf(':', StringComparison.Ordinal);
        host = colon < 0 ? hostHeader : hostHeader[..colon];
        if (colon >= 0)
        {
            if (!int.TryParse(hostHeader.AsSpan(colon + 1), out var parsedPort))
            {
                return false;
            }

            port = parsedPort;
        }

        return host.Length > 0 && Uri.CheckHostName(host) != UriHostNameType.Unknown;
    }
}
