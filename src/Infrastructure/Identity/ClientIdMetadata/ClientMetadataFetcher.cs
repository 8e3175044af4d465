using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Authorization.ClientIdMetadata;

namespace OneMcp.Infrastructure.Identity.ClientIdMetadata;

/// <summary>
/// Fetches Client ID Metadata Documents over the network, within limits: a connection only to an address
/// <see cref="ClientMetadataAddressPolicy"/> allows (checked on the address actually connected to, so a DNS answer
/// that changes between look-ups cannot slip past), no redirects, no proxy, no cookies, at most
/// <see cref="MaxBytes"/> and <see cref="Timeout"/>.
/// </summary>
internal sealed class ClientMetadataFetcher(IHttpClientFactory clients, TimeProvider time)
{
    public const string HttpClientName = "client-id-metadata";
    public const int MaxBytes = 64 * 1024;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>The longest a fetched document is trusted, whatever its Cache-Control says.</summary>
    public static readonly TimeSpan MaxCacheLifetime = TimeSpan.FromHours(24);

    /// <summary>Registers the named client whose connections go only where the address policy allows.</summary>
    public static void AddHttpClient(IServiceCollection services, Func<IServiceProvider, bool> allowLoopback)
    {
        services.AddHttpClient(HttpClientName, http =>
            {
                http.Timeout = Timeout * 2; // the fetch's own deadline (Timeout) answers first, with its message
                http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var loopback = new Lazy<bool>(() => allowLoopback(sp));
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseProxy = false,
                    UseCookies = false,
                    ConnectTimeout = Timeout,
                    MaxResponseHeadersLength = 16,
                    ConnectCallback = (context, ct) => ConnectAsync(context, loopback.Value, ct),
                };
            });
    }

    /// <summary>The document's bytes and how long they may be reused, or why it could not be fetched (one sentence).</summary>
    public async Task<(byte[]? Body, TimeSpan CacheFor, string? Problem)> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var deadline = new CancellationTokenSource(Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var http = clients.CreateClient(HttpClientName);
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (null, TimeSpan.Zero, $"The client metadata document could not be fetched (HTTP {(int)response.StatusCode}).");
            }

            if (response.Content.Headers.ContentLength is > MaxBytes)
            {
                return (null, TimeSpan.Zero, $"The client metadata document is larger than {MaxBytes / 1024} KiB.");
            }

            var body = await ReadLimitedAsync(response.Content, linked.Token);
            return body is null
                ? (null, TimeSpan.Zero, $"The client metadata document is larger than {MaxBytes / 1024} KiB.")
                : (body, CacheLifetime(response.Headers.CacheControl), null);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (null, TimeSpan.Zero, $"The client metadata document did not arrive within {Timeout.TotalSeconds:0} seconds.");
        }
        catch (HttpRequestException e) when (e.InnerException is RefusedAddressException refused)
        {
            return (null, TimeSpan.Zero, refused.Message);
        }
        catch (HttpRequestException)
        {
            return (null, TimeSpan.Zero, "The client metadata document could not be fetched.");
        }
    }

    /// <summary>max-age, at most <see cref="MaxCacheLifetime"/>; nothing when absent, no-store or no-cache.</summary>
    internal static TimeSpan CacheLifetime(CacheControlHeaderValue? cacheControl)
    {
        if (cacheControl is null || cacheControl.NoStore || cacheControl.NoCache || cacheControl.MaxAge is not { } maxAge || maxAge <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        return maxAge < MaxCacheLifetime ? maxAge : MaxCacheLifetime;
    }

    private static async Task<byte[]?> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    // Resolves the host and connects to the first address the policy allows: the check is on the socket's own target.
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowLoopback, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(a => ClientMetadataAddressPolicy.MayConnect(a, allowLoopback)).ToArray();
        if (allowed.Length == 0)
        {
            throw new RefusedAddressException($"The client metadata host '{host}' resolves only to private, loopback or otherwise internal addresses, which the gateway does not fetch from.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class RefusedAddressException(string message) : Exception(message);
}
