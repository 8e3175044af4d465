using MediatR;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Changes a user's role and/or disables or enables them. The last enabled admin can be neither demoted nor
/// disabled. Disabling or demoting revokes every grant and token of the user: a token carries the role it
/// was issued with, so a stale one would keep working (or keep admin rights) until it expired. Disabling also deletes
/// the user's connections to per-user backends and stops their instances.
/// </summary>
public sealed record UpdateUserCommand(string UserName, UserEdit? Edit) : IRequest<UserView>;
