using MediatR;

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
