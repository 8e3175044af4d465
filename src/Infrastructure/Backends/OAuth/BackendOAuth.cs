using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// The backend OAuth flow (<see cref="IBackendOAuth"/>): the state is 32 random bytes, stored only as its SHA-256
/// with the user who started the flow and the PKCE verifier, valid for ten minutes and consumed by the first
/// callback that presents it. Tokens obtained on the callback are handed back encrypted and only used once an
/// operator accepts them.
/// </summary>
public sealed partial class BackendOAuth(
    BackendCredentialStore store, BackendOAuthHttp http, BackendTokenSource tokens, TimeProvider time, ILogger<BackendOAuth> logger) : IBackendOAuth
{
    /// <summary>How long the user has to finish on the backend's authorization page.</summary>
    public static readonly TimeSpan FlowLifetime = TimeSpan.FromMinutes(10);

    public async Task<Uri> BeginAsync(BackendSettings backend, string subject, Uri redirectUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var httpBackend = backend as HttpBackendSettings
            ?? throw new BackendOAuthException(BackendOAuthException.DiscoveryFailed, $"Backend '{backend.Name}' has no URL.");
        var url = httpBackend.Url;
        var configured = httpBackend.OAuth;
        redirectUri = configured?.RedirectUrl ?? redirectUri;
        var server = await http.DiscoverAsync(url, cancellationToken);
        var scopes = configured is { Scopes.Count: > 0 } ? configured.Scopes : server.ScopesSupported;

        var (current, _) = await store.LoadAsync(backend.Name, cancellationToken);
        var client = configured?.ClientId is { Length: > 0 } clientId
            ? new BackendOAuthClientRegistration(server.Issuer, server.AuthorizationEndpoint, server.TokenEndpoint, redirectUri, clientId, configured.ClientSecret, server.Resource, Registered: false)
            : current.Client is { Registered: true } known && known.Issuer == server.Issuer && known.RedirectUri == redirectUri
                ? known with { AuthorizationEndpoint = server.AuthorizationEndpoint, TokenEndpoint = server.TokenEndpoint, Resource = server.Resource }
                : await RegisterAsync(backend.Name, server, redirectUri, scopes, cancellationToken);

        var state = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var verifier = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var pending = new PendingBackendFlow(subject, Hash(state), verifier, time.GetUtcNow());
        await store.UpdateAsync(backend.Name, c => c with { Client = client, Pending = pending }, cancellationToken);
        LogFlowStarted(logger, backend.Name.Value, server.Issuer);

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

        return new Uri(QueryHelpers.AddQueryString(client.AuthorizationEndpoint.AbsoluteUri, query));
    }

    public async Task<ObtainedBackendTokens> CompleteAsync(ServerName backend, string subject, string state, string code, CancellationToken cancellationToken)
    {
        var (credentials, stored) = await store.LoadAsync(backend, cancellationToken);
        var pending = Matching(credentials, subject, state);
        var client = credentials.Client ?? throw InvalidState();

        // Consumed before the exchange: a replayed callback finds no pending flow, whatever the exchange does.
        if (!await store.TryReplaceAsync(backend, stored, credentials with { Pending = null }, cancellationToken))
        {
            throw InvalidState();
        }

        var response = await http.ExchangeCodeAsync(client, code, pending.CodeVerifier, cancellationToken);
        var now = time.GetUtcNow();
        var obtained = new BackendTokenSet(
            response.AccessToken, response.RefreshToken, now, response.ExpiresIn is { } lifetime ? now + lifetime : null, response.Scopes ?? [], client);
        LogTokensObtained(logger, backend.Value);
        return new ObtainedBackendTokens(store.ProtectTokens(obtained), obtained.Scopes);
    }

    public async Task AbandonAsync(ServerName backend, string subject, string state, CancellationToken cancellationToken)
    {
        var (credentials, stored) = await store.LoadAsync(backend, cancellationToken);
        Matching(credentials, subject, state);
        await store.TryReplaceAsync(backend, stored, credentials with { Pending = null }, cancellationToken);
    }

    public async Task AcceptAsync(ServerName backend, string protectedTokens, CancellationToken cancellationToken)
    {
        var accepted = store.UnprotectTokens(protectedTokens);
        await store.UpdateAsync(backend, c => c with { Tokens = accepted, Client = accepted.Client }, cancellationToken);
        tokens.Use(backend, accepted);
        LogTokensAccepted(logger, backend.Value);
    }

    public async Task ForgetAsync(ServerName backend, CancellationToken cancellationToken)
    {
        await store.UpdateAsync(backend, _ => new BackendCredentials(), cancellationToken);
        tokens.Use(backend, null);
        LogForgotten(logger, backend.Value);
    }

    public async Task<bool> ReloadAsync(ServerName backend, CancellationToken cancellationToken)
    {
        var stored = (await store.LoadAsync(backend, cancellationToken)).Credentials.Tokens;
        var had = tokens.HasTokens(backend);
        if (stored is null && !had)
        {
            // Nothing stored and nothing in use: keep the reason a refresh failure left, if any.
            return false;
        }

        tokens.Use(backend, stored);
        return had != (stored is not null);
    }

    public bool HasTokens(ServerName backend) => tokens.HasTokens(backend);

    private async Task<BackendOAuthClientRegistration> RegisterAsync(
        ServerName backend, BackendAuthorizationServer server, Uri redirectUri, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var (clientId, secret) = await http.RegisterAsync(server, $"OneMcp - {backend}", redirectUri, scopes, cancellationToken);
        return new BackendOAuthClientRegistration(server.Issuer, server.AuthorizationEndpoint, server.TokenEndpoint, redirectUri, clientId, secret, server.Resource, Registered: true);
    }

    private PendingBackendFlow Matching(BackendCredentials credentials, string subject, string state)
    {
        if (credentials.Pending is not { } pending
            || time.GetUtcNow() - pending.StartedAt > FlowLifetime
            || !string.Equals(pending.Subject, subject, StringComparison.Ordinal)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(pending.StateHash), Encoding.ASCII.GetBytes(Hash(state))))
        {
            throw InvalidState();
        }

        return pending;
    }

    private static BackendOAuthException InvalidState() => new(
        BackendOAuthException.InvalidState,
        "This authorization answer does not match an authorization you started in the last ten minutes (it may have been used already). Click Authorize again.");

    private static string Hash(string state) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(state)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: OAuth authorization started with {Issuer}")]
    private static partial void LogFlowStarted(ILogger logger, string server, string issuer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: OAuth tokens obtained; waiting for an operator to approve them")]
    private static partial void LogTokensObtained(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: OAuth tokens approved and in use")]
    private static partial void LogTokensAccepted(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: OAuth credentials discarded")]
    private static partial void LogForgotten(ILogger logger, string server);
}
