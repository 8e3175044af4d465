using Microsoft.Extensions.Logging;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;

namespace OneMcp.Infrastructure.Connections;

/// <summary>
/// Each user's own OAuth flow for a per-user backend (<see cref="IUserBackendOAuth"/>, ADR 0033): the backend's
/// discovery and client registration (shared, <see cref="BackendOAuthFlow"/>), a one-time state kept as a hash in the
/// user's own row and consumed by the first callback of that user that presents it, and the tokens stored in that
/// row: in use at once, or waiting for an administrator when the backend says <c>"approval": "admin"</c>.
/// </summary>
public sealed partial class UserBackendOAuth(
    UserConnectionStore connections,
    BackendOAuthFlow flow,
    BackendCredentialStore backends,
    BackendTokenSource tokens,
    IBackendServiceRepository definitions,
    ILogger<UserBackendOAuth> logger) : IUserBackendOAuth
{
    public async Task<Uri> BeginAsync(BackendSettings backend, ConnectionOwner owner, Uri redirectUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (!backend.IsPerUser)
        {
            throw new BackendOAuthException(
                "not_per_user", $"Backend '{backend.Name}' uses shared credentials: an administrator authorizes it for everyone.");
        }

        var (client, scopes) = await flow.ClientForAsync(backend, redirectUri, cancellationToken);
        await flow.KeepClientAsync(backend.Name, client, cancellationToken);
        var (pending, authorizationUrl) = flow.Start(client, scopes, owner.Key);
        var approval = backend is HttpBackendSettings { Approval: ConnectionApproval.Admin };
        await connections.SaveAsync(
            backend.Name, owner, "Your authorization's one-time state", c => c with { Pending = pending, PendingNeedsApproval = approval }, cancellationToken);

        LogFlowStarted(logger, backend.Name.Value, client.Issuer);
        return authorizationUrl;
    }

    public async Task<UserConnectionOutcome> CompleteAsync(ServerName backend, ConnectionOwner owner, string state, string code, CancellationToken cancellationToken)
    {
        var (connection, stored) = await connections.LoadAsync(backend, owner, cancellationToken);
        var pending = flow.Matching(connection.Pending, owner.Key, state);
        // The client the user's authorization page was opened for: two users starting at once on a backend with no
        // registration yet each register one, and the backend's stored client is whichever was kept last.
        var client = pending.Client
            ?? (await backends.LoadAsync(backend, cancellationToken)).Credentials.Client
            ?? throw BackendOAuthFlow.InvalidState();

        // Consumed before the exchange: a replayed callback finds no pending flow, whatever the exchange does.
        if (!await connections.TryReplaceAsync(backend, owner, stored, connection with { Pending = null, PendingNeedsApproval = false }, cancellationToken))
        {
            throw BackendOAuthFlow.InvalidState();
        }

        var obtained = await flow.ExchangeAsync(client, code, pending, cancellationToken);
        var awaiting = connection.PendingNeedsApproval || await ApprovalRequiredAsync(backend, cancellationToken);
        await connections.SaveAsync(
            backend,
            owner,
            "Your tokens",
            c => awaiting ? c with { TokensAwaitingApproval = obtained } : c with { Tokens = obtained, ConnectedAt = obtained.IssuedAt, TokensAwaitingApproval = null },
            cancellationToken);

        tokens.Forget(backend, owner);
        if (awaiting)
        {
            LogTokensAwaitingApproval(logger, backend.Value);
            return UserConnectionOutcome.AwaitingApproval;
        }

        LogConnected(logger, backend.Value);
        return UserConnectionOutcome.Connected;
    }

    public async Task AbandonAsync(ServerName backend, ConnectionOwner owner, string state, CancellationToken cancellationToken)
    {
        var (connection, stored) = await connections.LoadAsync(backend, owner, cancellationToken);
        flow.Matching(connection.Pending, owner.Key, state);
        await connections.TryReplaceAsync(backend, owner, stored, connection with { Pending = null, PendingNeedsApproval = false }, cancellationToken);
    }

    public async Task<bool> ApproveAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        // A save that did not happen throws (404 the backend is gone, 409 a write conflict): the tokens still wait.
        var approved = false;
        await connections.SaveAsync(backend, owner, "The approval of the user's tokens", c =>
        {
            approved = c.TokensAwaitingApproval is not null;
            return c.TokensAwaitingApproval is { } waiting ? c with { Tokens = waiting, ConnectedAt = waiting.IssuedAt, TokensAwaitingApproval = null } : c;
        }, cancellationToken);
        if (!approved)
        {
            return false;
        }

        tokens.Forget(backend, owner);
        LogApproved(logger, backend.Value);
        return true;
    }

    // As the definition says now too, not only when the flow began: an administrator who just asked for approval is obeyed.
    private async Task<bool> ApprovalRequiredAsync(ServerName backend, CancellationToken cancellationToken) =>
        (await definitions.FindByNameAsync(backend, cancellationToken))?.Settings is HttpBackendSettings { Approval: ConnectionApproval.Admin };

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: a user started its OAuth authorization with {Issuer}")]
    private static partial void LogFlowStarted(ILogger logger, string server, string issuer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: a user's OAuth tokens obtained and in use")]
    private static partial void LogConnected(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: a user's OAuth tokens obtained; waiting for an administrator to approve them")]
    private static partial void LogTokensAwaitingApproval(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: a user's OAuth tokens approved and in use")]
    private static partial void LogApproved(ILogger logger, string server);
}
