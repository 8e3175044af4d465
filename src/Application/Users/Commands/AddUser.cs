using FluentValidation;
using FluentValidation.Results;
using MediatR;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

/// <summary>Creates a user who can sign in; the role is <c>admin</c> or <c>member</c> (the default).</summary>
public sealed record AddUserCommand : IRequest<UserView>
{
    public string? UserName { get; init; }

    public string? Password { get; init; }

    public string? Role { get; init; } = UserRoles.Member;

    // Records print every property; this one holds a password.
    public override string ToString() => $"AddUserCommand {{ UserName = {UserName}, Role = {Role} }}";
}

public sealed class AddUserValidator : AbstractValidator<AddUserCommand>
{
    public AddUserValidator()
    {
        this.AddUserNameRule(c => c.UserName);
        this.AddPasswordRule(c => c.Password, c => c.UserName);
        RuleFor(c => c).Custom((command, context) =>
        {
            if (!UserRoles.TryParse(command.Role, out _))
            {
                context.AddFailure(new ValidationFailure("role", $"The role must be '{UserRoles.Admin}' or '{UserRoles.Member}'."));
            }
        });
    }
}

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
