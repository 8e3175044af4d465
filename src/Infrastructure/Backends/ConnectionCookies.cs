using System.Net;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// The cookies of one connection to an HTTP backend: what the backend sets on its answers to that connection is sent
/// back on that connection's later requests only (a load balancer's affinity, a server that signs its caller in with
/// a cookie). Every backend connection, every user's own connection to a per-user backend among them, shares one pool
/// of HTTP connections, whose own cookie store would have sent one user's cookie with every other user's requests,
/// and with every other backend's on the same host.
/// </summary>
internal sealed class ConnectionCookies : DelegatingHandler
{
    private const string CookieHeader = "Cookie";
    private const string SetCookieHeader = "Set-Cookie";

    private readonly CookieContainer _cookies = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri;
        if (uri is { IsAbsoluteUri: true } && _cookies.GetCookieHeader(uri) is { Length: > 0 } kept)
        {
            // A Cookie header configured for the backend goes too, with the kept cookies after it.
            var configured = request.Headers.TryGetValues(CookieHeader, out var values) ? string.Join("; ", values) : null;
            request.Headers.Remove(CookieHeader);
            request.Headers.TryAddWithoutValidation(CookieHeader, configured is null ? kept : $"{configured}; {kept}");
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (uri is { IsAbsoluteUri: true } && response.Headers.TryGetValues(SetCookieHeader, out var setCookies))
        {
            foreach (var setCookie in setCookies)
            {
                try
                {
                    _cookies.SetCookies(uri, setCookie);
                }
                catch (CookieException)
                {
                    // A cookie the backend wrote badly is not kept, as a browser would not keep it.
                }
            }
        }

        return response;
    }
}
