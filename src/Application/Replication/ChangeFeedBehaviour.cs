using MediatR;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Presets.Commands;
using OneMcp.Application.TagScopes.Commands;
using OneMcp.Application.Users.Commands;

namespace OneMcp.Application.Replication;

/// <summary>
/// Publishes on the change feed, once a command has succeeded (its change is committed), what the other replicas
/// must follow: presets, tag scopes, users and backend OAuth approvals or resets, whether the command came over
/// REST or from the <c>onemcp users</c> command line. Backends are published by <see cref="Backends.BackendCatalog"/>
/// (REST and mcp.json alike) and tokens and grants by the OAuth store; a failed command publishes nothing.
/// </summary>
public sealed class ChangeFeedBehaviour<TRequest, TResponse>(IChangeFeed feed) : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var response = await next();
        if (request is not null && ChangeOf(request, response) is { } change)
        {
            // Committed: the others must hear of it even if the caller went away meanwhile.
            await feed.PublishAsync(change, CancellationToken.None);
        }

        return response;
    }

    internal static GatewayChange? ChangeOf(object request, object? response) => request switch
    {
        CreatePresetCommand create => new GatewayChange(GatewayChangeKind.Presets, create.Name),
        UpdatePresetCommand update => new GatewayChange(GatewayChangeKind.Presets, update.Name),
        DeletePresetCommand delete => new GatewayChange(GatewayChangeKind.Presets, delete.Name),
        SetTagScopeCommand scope => new GatewayChange(GatewayChangeKind.TagScopes, scope.Tag),
        AddUserCommand add => new GatewayChange(GatewayChangeKind.Users, add.UserName),
        UpdateUserCommand user => new GatewayChange(GatewayChangeKind.Users, user.UserName),
        RemoveUserCommand remove => new GatewayChange(GatewayChangeKind.Users, remove.UserName),
        SetPasswordCommand password => new GatewayChange(GatewayChangeKind.Users, password.UserName),
        SignInWithProviderCommand when response is SignInResult { Succeeded: true, UserName: { } name } => new GatewayChange(GatewayChangeKind.Users, name),
        RestartBackendOAuthCommand restart => new GatewayChange(GatewayChangeKind.BackendCredentials, restart.Name),
        DecideAuthorizationRequestCommand when response is AuthorizationRequestView { BackendName: { } backend, Status: "approved" } =>
            new GatewayChange(GatewayChangeKind.BackendCredentials, backend),
        _ => null,
    };
}
