using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

/// <summary>Who signed in, or why not. A wrong name and a wrong password read the same to the caller.</summary>
public sealed record SignInResult(SignInOutcome Outcome, Guid UserId = default, string? UserName = null, UserRole Role = UserRole.Member, DateTimeOffset? LockedUntil = null)
{
    public bool Succeeded => Outcome == SignInOutcome.Succeeded;
}
