using MediatR;
using Microsoft.Extensions.Logging;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

public sealed partial class SignInHandler(IUserRepository users, IPasswordHasher hasher, SignInThrottle throttle, TimeProvider time, ILogger<SignInHandler> logger)
    : IRequestHandler<SignInCommand, SignInResult>
{
    private static string? s_decoyHash;

    public async Task<SignInResult> Handle(SignInCommand request, CancellationToken cancellationToken)
    {
        var name = request.UserName.Trim();
        var address = request.ClientAddress;

        // Refused before any password is checked, whatever it is: a refusal that let a right password through would
        // tell a guesser when it found one.
        if (throttle.AddressBlockedUntil(address) is { } blockedUntil)
        {
            return new SignInResult(SignInOutcome.AddressThrottled, LockedUntil: blockedUntil);
        }

        if (throttle.LockedUntil(name, address) is { } until)
        {
            return new SignInResult(SignInOutcome.LockedOut, LockedUntil: until);
        }

        var user = User.IsValidUserName(name) ? await users.FindByNameAsync(name, cancellationToken) : null;

        // An unknown name costs a hash check too, so the answer's timing does not tell which names exist; so does a user
        // of the identity provider, who has no password here and is refused like a wrong one.
        var hash = user is { HasPassword: true } ? user.PasswordHash : (s_decoyHash ??= hasher.Hash(Guid.NewGuid().ToString()));
        var check = hasher.Verify(hash, request.Password);
        if (user is null || user.Disabled || !user.HasPassword)
        {
            check = PasswordCheck.Failed;
        }

        if (user is null || check == PasswordCheck.Failed)
        {
            if (throttle.Failed(name, address) is { } refusedUntil)
            {
                // Once per refusal, not per refused attempt: an operator learns of a guesser without a log flood.
                LogAddressRefused(logger, address, refusedUntil);
            }

            return new SignInResult(SignInOutcome.InvalidCredentials);
        }

        throttle.Succeeded(name, address);
        if (check == PasswordCheck.SuccessRehashNeeded)
        {
            user.SetPasswordHash(hasher.Hash(request.Password), time.GetUtcNow());
            try
            {
                await users.UpdateAsync(user, cancellationToken);
            }
            catch (Domain.Common.ConcurrencyConflictException e)
            {
                // Someone changed the user meanwhile; the stronger hash is written at the next sign-in.
                LogRehashDeferred(logger, e, user.UserName);
            }
        }

        return new SignInResult(SignInOutcome.Succeeded, user.Id, user.UserName, user.Role);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Too many failed sign-ins from {ClientAddress}: its sign-ins are refused until {Until}.")]
    private static partial void LogAddressRefused(ILogger logger, string clientAddress, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The user '{UserName}' changed while signing in; the password hash is upgraded at the next sign-in.")]
    private static partial void LogRehashDeferred(ILogger logger, Exception exception, string userName);
}
