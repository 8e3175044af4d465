using Microsoft.Extensions.Logging;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// The backend OAuth flow (<see cref="IBackendOAuth"/>): the state is 32 random bytes, stored only as its SHA-256
/// with the user who started the flow and the PKCE verifier, valid for ten minutes and consumed by the first
/// callback that presents it (<see cref="BackendOAuthFlow"/>, shared with each user's own flow). Tokens obtained on
/// the callback are handed back encrypted and only used once an operator accepts them.
/// </summary>
public sealed partial class BackendOAuth(
    BackendCredentialStore store, BackendOAuthFlow flow, BackendTokenSource tokens, ILogger<BackendOAuth> logger) : IBackendOAuth
{
    public async Task<Uri> BeginAsync(BackendSettings backend, string subject, Uri redirectUri, CancellationToken cancellationToken)
    {
        var (client, scopes) = await flow.ClientForAsync(backend, redirectUri, cancellationToken);
        var (pending, authorizationUrl) = flow.Start(client, scopes, subject);
        await store.UpdateAsync(backend.Name, c => c with { Client = client, Pending = pending }, cancellationToken);
        LogFlowStarted(logger, backend.Name.Value, client.Issuer);
        return authorizationUrl;
    }

    public async Task<ObtainedBackendTokens> CompleteAsync(ServerName backend, string subject, string state, string code, CancellationToken cancellationToken)
    {
        var (credentials, stored) = await store.LoadAsync(backend, cancellationToken);
        var pending = flow.Matching(credentials.Pending, subject, state);
        var client = credentials.Client ?? throw BackendOAuthFlow.InvalidState();

        // Consumed before the exchange: a replayed callback finds no pending flow, whatever the exchange does.
        if (!await store.TryReplaceAsync(backend, stored, credentials with { Pending = null }, cancellationToken))
        {
            throw BackendOAuthFlow.InvalidState();
        }

        var obtained = await flow.ExchangeAsync(client, code, pending, cancellationToken);
        LogTokensObtained(logger, backend.Value);
        return new ObtainedBackendTokens(store.ProtectTokens(obtained), obtained.Scopes);
    }

    public async Task AbandonAsync(ServerName backend, string subject, string state, CancellationToken cancellationToken)
    {
        var (credentials, stored) = await store.LoadAsync(backend, cancellationToken);
        flow.Matching(credentials.Pending, subject, state);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: OAuth authorization started with {Issuer}")]
    private static partial void LogFlowStarted(ILogger logger, string server, string issuer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: OAuth tokens obtained; waiting for an operator to approve them")]
    private static partial void LogTokensObtained(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: OAuth tokens approved and in use")]
    private static partial void LogTokensAccepted(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: OAuth credentials discarded")]
    private static partial void LogForgotten(ILogger logger, string server);
}
