using Microsoft.Extensions.Logging;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.ClientIdMetadata;
using OpenIddict.Abstractions;

namespace OneMcp.Infrastructure.Identity.ClientIdMetadata;

/// <summary>
/// Turns a client id that is a URL into a client the authorization server knows: reads its metadata document (from
/// the cache or the network) and keeps an OpenIddict application in step with it (created on first use, updated when
/// the document changes), a public client with PKCE. Tokens and consent then work as for a registered client.
/// </summary>
internal sealed partial class ClientMetadataResolver(
    ClientMetadataFetcher fetcher,
    ClientMetadataCache cache,
    OAuthServerIdentity identity,
    IOpenIddictApplicationManager applications,
    ILogger<ClientMetadataResolver> logger)
{
    /// <summary>The client the document describes, or the reason (one sentence) it cannot be used.</summary>
    public async Task<(ClientMetadataDocument? Client, string? Problem)> ResolveAsync(string clientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (ClientIdUrl.Problem(clientId, AllowsLoopback(identity), out var url) is { } invalid)
        {
            return (null, invalid);
        }

        var document = cache.Find(clientId);
        if (document is null)
        {
            var (body, cacheFor, problem) = await fetcher.FetchAsync(url!, cancellationToken);
            if (body is null)
            {
                LogRefused(clientId, problem!);
                return (null, problem);
            }

            document = ClientMetadataDocument.Read(clientId, url!, body, out problem);
            if (document is null)
            {
                LogRefused(clientId, problem!);
                return (null, problem);
            }

            cache.Add(document, cacheFor);
        }

        await StoreAsync(document, cancellationToken);
        return (document, null);
    }

    /// <summary>
    /// Loopback documents (and plain http to them) only while the gateway's own address is loopback: a developer's
    /// machine. A gateway reached under any other name is in production and fetches over https from public addresses only.
    /// </summary>
    public static bool AllowsLoopback(OAuthServerIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return RedirectUriRules.IsLoopback(identity.Issuer);
    }

    private async Task StoreAsync(ClientMetadataDocument document, CancellationToken cancellationToken)
    {
        var wanted = OpenIddictClientRegistry.Describe(new OAuthClientRegistration(
            document.ClientId, ClientSecret: null, document.DisplayName, document.RedirectUris, document.MayRefresh, OAuthApplicationTypes.Web));
        var existing = await applications.FindByClientIdAsync(document.ClientId, cancellationToken);
        if (existing is null)
        {
            try
            {
                await applications.CreateAsync(wanted, cancellationToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Two first requests at once: the other one stored it; anything else is still an error.
                existing = await applications.FindByClientIdAsync(document.ClientId, cancellationToken);
                if (existing is null)
                {
                    throw;
                }

                LogConcurrentCreate(e, document.ClientId);
            }
        }

        var current = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(current, existing, cancellationToken);
        if (current.DisplayName != wanted.DisplayName
            || !current.RedirectUris.SetEquals(wanted.RedirectUris)
            || !current.Permissions.SetEquals(wanted.Permissions)
            || current.ClientType != wanted.ClientType)
        {
            await applications.UpdateAsync(existing, wanted, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client metadata document {ClientId} refused: {Reason}")]
    private partial void LogRefused(string clientId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client {ClientId} was stored by a concurrent request")]
    private partial void LogConcurrentCreate(Exception exception, string clientId);
}
