using MediatR;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Queries;

public sealed class GetSignedInUserHandler(IUserRepository repository) : IRequestHandler<GetSignedInUserQuery, SignedInUser?>
{
    public async Task<SignedInUser?> Handle(GetSignedInUserQuery request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var user = await repository.FindByIdAsync(request.UserId, cancellationToken);
        return user is { Disabled: false } ? new SignedInUser(user.Id, user.UserName) : null;
    }
}
