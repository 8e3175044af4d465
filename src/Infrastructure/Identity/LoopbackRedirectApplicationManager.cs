using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneMcp.Application.Authorization;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// OpenIddict's application manager with RFC 8252 §7.3: a registered loopback redirect URI matches the same
/// URI on any port, because native clients (Claude Code, VS Code...) listen on a port the OS picks per run.
/// Scheme, host and path still have to match exactly; every other URI is compared as OpenIddict does.
/// </summary>
internal sealed class LoopbackRedirectApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store)
    where TApplication : class
{
    public override async ValueTask<bool> ValidateRedirectUriAsync(TApplication application, string uri, CancellationToken cancellationToken = default)
    {
        if (await base.ValidateRedirectUriAsync(application, uri, cancellationToken))
        {
            return true;
        }

        if (!Uri.TryCreate(uri, UriKind.Absolute, out var presented) || presented.Scheme != Uri.UriSchemeHttp || !RedirectUriRules.IsLoopback(presented))
        {
            return false;
        }

        foreach (var registered in await GetRedirectUrisAsync(application, cancellationToken))
        {
            if (Uri.TryCreate(registered, UriKind.Absolute, out var candidate)
                && candidate.Scheme == Uri.UriSchemeHttp
                && RedirectUriRules.IsLoopback(candidate)
                && string.Equals(candidate.Host, presented.Host, StringComparison.OrdinalIgnoreCase)
                && string.Equals(candidate.PathAndQuery, presented.PathAndQuery, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
