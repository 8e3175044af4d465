using MediatR;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Deletes a user and revokes every grant and token they approved (the next request with one gets 401); the last
/// enabled admin stays, so someone can always administer the gateway.
/// </summary>
public sealed record RemoveUserCommand(string UserName) : IRequest<Unit>;
