using MediatR;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Deletes a user, revokes every grant and token they approved (the next request with one gets 401) and deletes
/// their connections to per-user backends (their instances stop); the last enabled admin stays, so someone can
/// always administer the gateway.
/// </summary>
public sealed record RemoveUserCommand(string UserName) : IRequest<Unit>;
