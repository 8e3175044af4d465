using FluentValidation;
using MediatR;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;

namespace OneMcp.Application.Backends.OAuth;

/// <summary>
/// An operator clicks Authorize: the gateway prepares the backend's OAuth flow for that user and answers where to
/// send the browser. <paramref name="DefaultRedirectUri"/> is the gateway's own <c>/oauth/callback/&lt;name&gt;</c>
/// (a backend's <c>oauth.redirectUrl</c> replaces it).
/// </summary>
public sealed record StartBackendAuthorizationCommand(string Name, string Subject, Uri DefaultRedirectUri) : IRequest<Uri>;

/// <summary>
/// The backend's authorization server sent the browser back: the state must be the one this user started. With a
/// code the tokens are obtained and wait, encrypted, on an <see cref="AuthorizationRequest"/> for an operator's
/// decision; with an error the flow ends. Returns the request's id.
/// </summary>
public sealed record CompleteBackendAuthorizationCommand(string Name, string Subject, string? State, string? Code, string? Error, string? ErrorDescription) : IRequest<Guid>;

/// <summary>Restart OAuth: the backend's stored credentials are discarded and it reconnects (awaiting OAuth again).</summary>
public sealed record RestartBackendOAuthCommand(string Name) : IRequest<BackendView>;

public sealed class StartBackendAuthorizationValidator : AbstractValidator<StartBackendAuthorizationCommand>
{
    public StartBackendAuthorizationValidator() => this.AddServerNameRule(c => c.Name);
}

public sealed class CompleteBackendAuthorizationValidator : AbstractValidator<CompleteBackendAuthorizationCommand>
{
    public CompleteBackendAuthorizationValidator() => this.AddServerNameRule(c => c.Name);
}

public sealed class RestartBackendOAuthValidator : AbstractValidator<RestartBackendOAuthCommand>
{
    public RestartBackendOAuthValidator() => this.AddServerNameRule(c => c.Name);
}

public sealed class StartBackendAuthorizationHandler(IBackendServiceRepository backends, IBackendOAuth oauth)
    : IRequestHandler<StartBackendAuthorizationCommand, Uri>
{
    public async Task<Uri> Handle(StartBackendAuthorizationCommand request, CancellationToken cancellationToken)
    {
        var backend = await BackendOAuthRules.FindOAuthCapableAsync(backends, request.Name, cancellationToken);
        return await oauth.BeginAsync(backend.Settings, request.Subject, request.DefaultRedirectUri, cancellationToken);
    }
}

public sealed class CompleteBackendAuthorizationHandler(
    IBackendServiceRepository backends, IBackendOAuth oauth, IAuthorizationRequestRepository requests, TimeProvider time)
    : IRequestHandler<CompleteBackendAuthorizationCommand, Guid>
{
    public async Task<Guid> Handle(CompleteBackendAuthorizationCommand request, CancellationToken cancellationToken)
    {
        var backend = await BackendOAuthRules.FindOAuthCapableAsync(backends, request.Name, cancellationToken);
        if (string.IsNullOrEmpty(request.State))
        {
            throw new BackendOAuthException(BackendOAuthException.InvalidState, "The authorization answer carries no state; click Authorize again.");
        }

        if (request.Error is { Length: > 0 } error)
        {
            // Only the user who started the flow may end it: a forged error answer changes nothing.
            await oauth.AbandonAsync(backend.Name, request.Subject, request.State, cancellationToken);
            var detail = request.ErrorDescription is { Length: > 0 } description ? $"{error}: {description}" : error;
            throw new BackendOAuthException(error, $"The backend's authorization server answered {detail}.");
        }

        if (string.IsNullOrEmpty(request.Code))
        {
            throw new BackendOAuthException("missing_code", "The authorization answer carries no code; click Authorize again.");
        }

        var obtained = await oauth.CompleteAsync(backend.Name, request.Subject, request.State, request.Code, cancellationToken);
        var pending = AuthorizationRequest.ForBackend(request.Subject, backend.Name.Value, obtained.Scopes, obtained.ProtectedTokens, time.GetUtcNow());
        await requests.AddAsync(pending, cancellationToken);
        return pending.Id;
    }
}

public sealed class RestartBackendOAuthHandler(IBackendServiceRepository backends, IBackendOAuth oauth, IBackendRuntime runtime, IBackendPool pool)
    : IRequestHandler<RestartBackendOAuthCommand, BackendView>
{
    public async Task<BackendView> Handle(RestartBackendOAuthCommand request, CancellationToken cancellationToken)
    {
        var backend = await BackendOAuthRules.FindOAuthCapableAsync(backends, request.Name, cancellationToken);
        await oauth.ForgetAsync(backend.Name, cancellationToken);
        await runtime.ReconnectAsync(backend.Name, cancellationToken);
        return BackendView.From(backend, pool);
    }
}

internal static class BackendOAuthRules
{
    public static async Task<BackendService> FindOAuthCapableAsync(IBackendServiceRepository backends, string name, CancellationToken cancellationToken)
    {
        var backend = await backends.FindByNameAsync(ServerName.From(name), cancellationToken) ?? throw new NotFoundException("backend", name);
        return backend.Settings.Transport == BackendTransport.Stdio
            ? throw new DomainException("backend.oauth_not_http", $"Backend '{name}' runs over stdio: OAuth applies to HTTP and SSE backends.")
            : backend;
    }
}
