using MediatR;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

public sealed class AddUserHandler(IUserRepository repository, IPasswordHasher hasher, TimeProvider time)
    : IRequestHandler<AddUserCommand, UserView>
{
    public async Task<UserView> Handle(AddUserCommand request, CancellationToken cancellationToken)
    {
        var name = request.UserName!;
        if (await repository.FindByNameAsync(name, cancellationToken) is not null)
        {
            throw new DuplicateNameException("user", name);
        }

        if (!UserRoles.TryParse(request.Role, out var role))
        {
            throw new ArgumentException("The validator lets only known roles through.", nameof(request));
        }

        var user = User.Create(name, hasher.Hash(request.Password!), role, time.GetUtcNow());

        // The unique index still decides a race between two adds of one name.
        await repository.AddAsync(user, cancellationToken);
        return UserView.From(user);
    }
}
