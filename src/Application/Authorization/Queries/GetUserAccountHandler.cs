using MediatR;
using OneMcp.Application.Users;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Queries;

public sealed class GetUserAccountHandler(IUserRepository users) : IRequestHandler<GetUserAccountQuery, UserAccount?>
{
    public async Task<UserAccount?> Handle(GetUserAccountQuery request, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(request.UserId, cancellationToken) is { } user
            ? new UserAccount(user.Id, user.UserName, user.Role, user.Disabled, PasswordStamp.Of(user), user.IsExternal)
            : null;
}
