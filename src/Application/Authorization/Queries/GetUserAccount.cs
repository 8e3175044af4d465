using MediatR;
using OneMcp.Application.Users;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>
/// The user behind a sign-in cookie or a token, read again on every use: a deleted or disabled user, a changed
/// role or a changed password (<see cref="UserAccount.PasswordStamp"/>) must take effect at once.
/// </summary>
public sealed record GetUserAccountQuery(Guid UserId) : IRequest<UserAccount?>;

/// <summary>A user as the authorization server sees them; null from the query when there is no such user.</summary>
public sealed record UserAccount(Guid Id, string UserName, UserRole Role, bool Disabled, string PasswordStamp)
{
    public bool IsAdmin => Role == UserRole.Admin;

    /// <summary>The user id as token subjects and consent requests carry it.</summary>
    public string Subject => Id.ToString("D");

    public string RoleText => UserRoles.ToText(Role);
}

public sealed class GetUserAccountHandler(IUserRepository users) : IRequestHandler<GetUserAccountQuery, UserAccount?>
{
    public async Task<UserAccount?> Handle(GetUserAccountQuery request, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(request.UserId, cancellationToken) is { } user
            ? new UserAccount(user.Id, user.UserName, user.Role, user.Disabled, PasswordStamp.Of(user))
            : null;
}
