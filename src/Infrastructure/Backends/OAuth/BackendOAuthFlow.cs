using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// What the backend's shared flow and each user's own flow (ADR 0033) have in common: the backend's client at its
/// authorization server (configured, already registered, or registered now, and kept with the backend's
/// credentials: one registration per backend, whoever authorizes), and the one-time state: 32 random bytes kept only
/// as their SHA-256 with who started the flow and the PKCE verifier, valid for <see cref="Lifetime"/>.
/// </summary>
public sealed class BackendOAuthFlow(BackendCredentialStore store, BackendOAuthHttp http, TimeProvider time)
{
    /// <summary>How long the user has to finish on the backend's authorization page.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Discovers the backend's authorization server and finds its client there, registering one when needed. The
    /// client is not saved here: the shared flow saves it with its pending state, a user's flow with <see cref="KeepClientAsync"/>.
    /// </summary>
    public async Task<(BackendOAuthClientRegistration Client, IReadOnlyList<string> Scopes)> ClientForAsync(
        BackendSettings backend, Uri redirectUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var httpBackend = backend as HttpBackendSettings
            ?? throw new BackendOAuthException(BackendOAuthException.DiscoveryFailed, $"Backend '{backend.Name}' has no URL.");
        var configured = httpBackend.OAuth;
        redirectUri = configured?.RedirectUrl ?? redirectUri;
        var server = await http.DiscoverAsync(httpBackend.Url, cancellationToken);
        var scopes = configured is { Scopes.Count: > 0 } ? configured.Scopes : server.ScopesSupported;

        var (current, _) = await store.LoadAsync(backend.Name, cancellationToken);
        var client = configured?.ClientId is { Length: > 0 } clientId
            ? new BackendOAuthClientRegistration(server.Issuer, server.AuthorizationEndpoint, server.TokenEndpoint, redirectUri, clientId, configured.ClientSecret, server.Resource, Registered: false)
            : current.Client is { Registered: true } known && known.Issuer == server.Issuer && known.RedirectUri == redirectUri
                ? known with { AuthorizationEndpoint = server.AuthorizationEndpoint, TokenEndpoint = server.TokenEndpoint, Resource = server.Resource }
                : await RegisterAsync(backend.Name, server, redirectUri, scopes, cancellationToken);
        return (client, scopes);
    }

    /// <summary>Keeps <paramref name="client"/> as the backend's (a user's flow registered or refreshed it) when it differs from the stored one.</summary>
    public async Task KeepClientAsync(ServerName backend, BackendOAuthClientRegistration client, CancellationToken cancellationToken)
    {
        if ((await store.LoadAsync(backend, cancellationToken)).Credentials.Client != client)
        {
            await store.UpdateAsync(backend, c => c with { Client = client }, cancellationToken);
        }
    }

    /// <summary>A new one-time state for <paramref name="subject"/>: what to store, and the URL of the authorization page.</summary>
    public (PendingBackendFlow Pending, Uri AuthorizationUrl) Start(BackendOAuthClientRegistration client, IReadOnlyList<string> scopes, string subject)
    {
        var state = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var verifier = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var pending = new PendingBackendFlow(subject, Hash(state), verifier, time.GetUtcNow(), client);
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = client.ClientId,
            ["redirect_uri"] = client.RedirectUri.AbsoluteUri,
            ["code_challenge"] = WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
            ["state"] = state,
            ["resource"] = client.Resource,
        };
        if (scopes.Count > 0)
        {
            query["scope"] = string.Join(' ', scopes);
        }

        return (pending, new Uri(QueryHelpers.AddQueryString(client.AuthorizationEndpoint.AbsoluteUri, query)));
    }

    /// <summary>The pending flow <paramref name="state"/> belongs to, when it is <paramref name="subject"/>'s and not expired.</summary>
    /// <exception cref="BackendOAuthException">Unknown, used, expired or someone else's (<see cref="BackendOAuthException.InvalidState"/>).</exception>
    public PendingBackendFlow Matching(PendingBackendFlow? pending, string subject, string state)
    {
        if (pending is null
            || time.GetUtcNow() - pending.StartedAt > Lifetime
            || !string.Equals(pending.Subject, subject, StringComparison.Ordinal)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(pending.StateHash), Encoding.ASCII.GetBytes(Hash(state))))
        {
            throw InvalidState();
        }

        return pending;
    }

    /// <summary>Exchanges the code of a matched flow for tokens, timed now.</summary>
    public async Task<BackendTokenSet> ExchangeAsync(BackendOAuthClientRegistration client, string code, PendingBackendFlow pending, CancellationToken cancellationToken)
    {
        var response = await http.ExchangeCodeAsync(client, code, pending.CodeVerifier, cancellationToken);
        var now = time.GetUtcNow();
        return new BackendTokenSet(
            response.AccessToken, response.RefreshToken, now, response.ExpiresIn is { } lifetime ? now + lifetime : null, response.Scopes ?? [], client);
    }

    public static BackendOAuthException InvalidState() => new(
        BackendOAuthException.InvalidState,
        "This authorization answer does not match an authorization you started in the last ten minutes (it may have been used already). Click Authorize again.");

    private static string Hash(string state) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(state)));

    private async Task<BackendOAuthClientRegistration> RegisterAsync(
        ServerName backend, BackendAuthorizationServer server, Uri redirectUri, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var (clientId, secret) = await http.RegisterAsync(server, $"OneMcp - {backend}", redirectUri, scopes, cancellationToken);
        return new BackendOAuthClientRegistration(server.Issuer, server.AuthorizationEndpoint, server.TokenEndpoint, redirectUri, clientId, secret, server.Resource, Registered: true);
    }
}
