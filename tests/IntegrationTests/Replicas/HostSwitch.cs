using System.Net.Http.Headers;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// Sends every request that names a session (the <c>Mcp-Session-Id</c> header, or a legacy <c>sessionId</c> query)
/// to another replica than the one the session was created on, as a load balancer without stickiness would; the
/// requests that open a session go where the client meant them to. Counts what it switched.
/// </summary>
internal sealed class HostSwitch(Uri other, string? token) : DelegatingHandler
{
    private int _switched;

    public int Switched => Volatile.Read(ref _switched);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var uri = request.RequestUri!;
        if (request.Headers.Contains("Mcp-Session-Id") || uri.Query.Contains("sessionId=", StringComparison.Ordinal))
        {
            request.RequestUri = new UriBuilder(uri) { Host = other.Host, Port = other.Port }.Uri;
            Interlocked.Increment(ref _switched);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
