using MediatR;

namespace OneMcp.Application.Users.Commands;

/// <summary>
/// The first admin from <c>ONEMCP_ADMIN_USERNAME</c> / <c>ONEMCP_ADMIN_PASSWORD</c>, run at start-up: created
/// when missing, never overwritten, so a password changed with <c>onemcp users set-password</c> stays changed.
/// </summary>
public sealed record EnsureAdminFromEnvironmentCommand(string? UserName, string? Password) : IRequest<EnsureAdminOutcome>
{
    public const string UserNameVariable = "ONEMCP_ADMIN_USERNAME";
    public const string PasswordVariable = "ONEMCP_ADMIN_PASSWORD";

    public static EnsureAdminFromEnvironmentCommand FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
        return new(NonEmpty(environment(UserNameVariable)?.Trim()), NonEmpty(environment(PasswordVariable)));
    }

    // Records print every property; this one holds a password.
    public override string ToString() => $"EnsureAdminFromEnvironmentCommand {{ UserName = {UserName} }}";
}
