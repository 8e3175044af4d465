using MediatR;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Checks a user name and password for the login page. <paramref name="ClientAddress"/> is the caller's address as
/// the throttle keys it (failures are counted per address and per user name from that address).
/// </summary>
public sealed record SignInCommand(string UserName, string Password, string ClientAddress) : IRequest<SignInResult>
{
    // Records print every property; this one holds a password.
    public override string ToString() => $"SignInCommand {{ UserName = {UserName}, ClientAddress = {ClientAddress} }}";
}
