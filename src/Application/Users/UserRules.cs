using FluentValidation;
using FluentValidation.Results;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users;

/// <summary>The rules every user use case shares; messages never repeat the password.</summary>
public static class UserRules
{
    public const int MinPasswordLength = 12;

    // PBKDF2 over a huge input is slow; nobody types a password this long.
    public const int MaxPasswordLength = 1024;

    public static string? CheckUserName(string? userName) =>
        User.IsValidUserName(userName)
            ? null
            : $"A user name has 1 to {User.MaxUserNameLength} letters, digits, '-', '_', '.' or '@'.";

    /// <summary>Null when <paramref name="password"/> is acceptable for <paramref name="userName"/>, else why not.</summary>
    public static string? CheckPassword(string? password, string? userName)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "A password is required.";
        }

        if (password.Length < MinPasswordLength)
        {
            return $"The password is too short: it needs at least {MinPasswordLength} characters.";
        }

        if (password.Length > MaxPasswordLength)
        {
            return $"The password is too long: it may have at most {MaxPasswordLength} characters.";
        }

        if (password.All(c => c == password[0]))
        {
            return "The password must not repeat a single character.";
        }

        if (userName is not null && string.Equals(password, userName, StringComparison.OrdinalIgnoreCase))
        {
            return "The password must not be the user name.";
        }

        return null;
    }

    internal static void AddUserNameRule<T>(this AbstractValidator<T> validator, Func<T, string?> userName) =>
        validator.RuleFor(c => c).Custom((command, context) =>
        {
            if (CheckUserName(userName(command)) is { } problem)
            {
                context.AddFailure(new ValidationFailure("userName", problem));
            }
        });

    internal static void AddPasswordRule<T>(this AbstractValidator<T> validator, Func<T, string?> password, Func<T, string?> userName) =>
        validator.RuleFor(c => c).Custom((command, context) =>
        {
            // The attempted value is left out on purpose: a failure must never carry the password.
            if (CheckPassword(password(command), userName(command)) is { } problem)
            {
                context.AddFailure(new ValidationFailure("password", problem));
            }
        });
}
