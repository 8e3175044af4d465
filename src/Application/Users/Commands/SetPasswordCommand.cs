using MediatR;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Replaces a user's password (same policy as for a new user) and revokes every grant and token of the user: a
/// password change is how a suspected compromise is answered, so what the old password obtained must end with it.
/// Their sign-in cookies end too (<see cref="PasswordStamp"/>).
/// </summary>
public sealed record SetPasswordCommand(string UserName, string Password) : IRequest<Unit>
{
    // Records print every property; this one holds a password.
    public override string ToString() => $"SetPasswordCommand {{ UserName = {UserName} }}";
}
