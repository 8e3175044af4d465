using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using OneMcp.Infrastructure.Settings;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// The rate limits on the endpoints a stranger can call, per caller address (<see cref="ClientAddress"/>): each
/// limited endpoint has its own fixed window, sign-in counts only its posts, and a refused request gets a 429 with
/// <c>Retry-After</c>: the OAuth-style JSON error on the endpoints clients call (token, registration, revocation), a
/// page in the host's look on those a person's browser opens (sign-in, "Sign in with ...", the provider's callback,
/// authorization).
/// </summary>
internal static class PerAddressRateLimits
{
    // The endpoints a stranger can call, as mapped (lower case); each names its partitions (see Partition).
    private static readonly string[] LimitedPaths =
        [GatewayAuthPaths.Authorize, GatewayAuthPaths.Token, GatewayAuthPaths.Register, GatewayAuthPaths.Revoke, GatewayAuthPaths.Login,
            GatewayAuthPaths.ProviderSignIn, GatewayAuthPaths.ProviderCallback];

    // Those of them a browser opens: a person reads the answer, so it is a page.
    private static readonly string[] BrowserPaths =
        [GatewayAuthPaths.Authorize, GatewayAuthPaths.Login, GatewayAuthPaths.ProviderSignIn, GatewayAuthPaths.ProviderCallback];

    /// <param name="limiter">The options to configure.</param>
    /// <param name="limits">The permits and window.</param>
    /// <param name="page">Writes the refusal page of a browser's endpoint (status and <c>Retry-After</c> already set), given the wait; JSON when null.</param>
    public static void Configure(RateLimiterOptions limiter, OAuthRateLimits limits, Func<HttpContext, TimeSpan, Task>? page = null)
    {
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits));
        limiter.OnRejected = async (rejected, cancellationToken) =>
        {
            var context = rejected.HttpContext;
            var response = context.Response;
            response.StatusCode = StatusCodes.Status429TooManyRequests;
            var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : limits.Window;
            response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            if (page is not null && LimitedEndpoint(context.Request.Path.Value) is { } endpoint && BrowserPaths.Contains(endpoint, StringComparer.Ordinal))
            {
                await page(context, retryAfter);
                return;
            }

            await response.WriteAsJsonAsync(
                new Dictionary<string, string> { ["error"] = "rate_limited", ["error_description"] = "Too many requests from this address; try again later." },
                cancellationToken);
        };
    }

    private static RateLimitPartition<string> Partition(HttpContext context, OAuthRateLimits limits)
    {
        // The limiter runs before routing and before OpenIddict, so it cannot ask either which endpoint a request is
        // for: it matches the path the way both of them do instead (see LimitedEndpoint). Every spelling that reaches
        // an endpoint shares that endpoint's partition; one that reaches none is a 404, limited or not.
        var endpoint = LimitedEndpoint(context.Request.Path.Value);
        if (endpoint is null)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        var address = ClientAddress.Key(context);
        if (endpoint == GatewayAuthPaths.Login)
        {
            return HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter("signin:" + address, _ => Window(limits.SignInPermitsPerWindow, limits.Window))
                : RateLimitPartition.GetNoLimiter(string.Empty);
        }

        return RateLimitPartition.GetFixedWindowLimiter(endpoint + ":" + address, _ => Window(limits.PermitsPerWindow, limits.Window));
    }

    /// <summary>
    /// The limited endpoint (its path as mapped) that a request path spells, or null. At least as forgiving as anything
    /// that could route a request to one: routing ignores case and a trailing slash, OpenIddict ignores case and one
    /// trailing slash, and Kestrel has already decoded the percent-encodings (all but <c>%2F</c>) and removed dot
    /// segments. This also decodes what is left and ignores repeated slashes: a spelling no endpoint answers (a 404)
    /// then counts against a limit it did not need to, which costs nothing. Allocation-free unless the path still
    /// holds a <c>%</c>: it runs on every request, the MCP ones included.
    /// </summary>
    internal static string? LimitedEndpoint(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (path.Contains('%', StringComparison.Ordinal))
        {
            path = Uri.UnescapeDataString(path);
        }

        foreach (var endpoint in LimitedPaths)
        {
            if (Spells(path, endpoint))
            {
                return endpoint;
            }
        }

        return null;
    }

    // Case-insensitive, runs of slashes count as one, trailing slashes ignored; endpoint is lower case ("/token").
    private static bool Spells(string path, string endpoint)
    {
        var matched = 0;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '/' && i > 0 && path[i - 1] == '/')
            {
                continue;
            }

            if (matched == endpoint.Length)
            {
                if (c != '/')
                {
                    return false;
                }

                continue;
            }

            if (char.ToLowerInvariant(c) != endpoint[matched])
            {
                return false;
            }

            matched++;
        }

        return matched == endpoint.Length;
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) =>
        new() { PermitLimit = permits, Window = window, QueueLimit = 0, AutoReplenishment = true };
}
