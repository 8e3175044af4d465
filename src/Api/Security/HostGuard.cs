using System.Net;
using Microsoft.Extensions.Primitives;
using OneMcp.Api.Http;

namespace OneMcp.Api.Security;

/// <summary>
/// DNS-rebinding guard: a page on another site that resolves its own name to this machine must not be
/// able to talk to the gateway. A request is served only when its Host names the gateway (its external
/// URL's host, or a loopback name when the gateway is bound to loopback or to every interface), and a
/// browser Origin, when present, names an allowed host too.
/// </summary>
public sealed class HostGuard
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]", "::1"];
    private readonly HashSet<string> _allowed = new(StringComparer.OrdinalIgnoreCase);

    public HostGuard(string bindHost, Uri? externalUrl)
    {
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

    public bool IsAllowedHost(string? hostHeader)
    {
        if (string.IsNullOrEmpty(hostHeader) || !TrySplitHost(hostHeader, out var host))
        {
            return false;
        }

        return _allowed.Contains(host) || _allowed.Contains($"[{host}]");
    }

    public bool IsAllowedOrigin(StringValues origin)
    {
        if (origin.Count == 0)
        {
            return true;
        }

        if (origin.Count > 1 || !Uri.TryCreate(origin[0], UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return false;
        }

        return _allowed.Contains(uri.IdnHost) || _allowed.Contains($"[{uri.IdnHost}]");
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!IsAllowedHost(context.Request.Headers.Host.Count == 1 ? context.Request.Headers.Host[0] : null))
        {
            await RejectAsync(context, "Forbidden host header: this gateway does not serve that host name.");
            return;
        }

        if (!IsAllowedOrigin(context.Request.Headers.Origin))
        {
            await RejectAsync(context, "Forbidden origin header: requests from that web origin are not accepted.");
            return;
        }

        await next(context);
    }

    private static Task RejectAsync(HttpContext context, string message) =>
        JsonRpcErrors.IsMcpPath(context.Request.Path)
            ? JsonRpcErrors.WriteAsync(context, StatusCodes.Status403Forbidden, JsonRpcErrors.InvalidRequest, message)
            : Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: message).ExecuteAsync(context);

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private static bool TrySplitHost(string hostHeader, out string host)
    {
        host = string.Empty;
        if (hostHeader.StartsWith('['))
        {
            var end = hostHeader.IndexOf(']', StringComparison.Ordinal);
            if (end < 0 || (end + 1 < hostHeader.Length && hostHeader[end + 1] != ':'))
            {
                return false;
            }

            host = hostHeader[..(end + 1)];
            return IPAddress.TryParse(host.Trim('[', ']'), out _);
        }

        var colon = hostHeader.IndexOf(':', StringComparison.Ordinal);
        host = colon < 0 ? hostHeader : hostHeader[..colon];
        if (colon >= 0 && !int.TryParse(hostHeader.AsSpan(colon + 1), out _))
        {
            return false;
        }

        return host.Length > 0 && Uri.CheckHostName(host) != UriHostNameType.Unknown;
    }
}
