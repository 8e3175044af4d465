using FluentValidation;
using FluentValidation.Results;
using OneMcp.Application.Backends;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Domain.Backends;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Connections;

/// <summary>
/// What every connection request shares: the backend is a per-user backend of the running pool (the pool is what
/// calls go to, so a connection to anything else could never be used), and a user named by an administrator is
/// found by name, with <c>local</c> standing for the one local user when authentication is off.
/// </summary>
internal static class ConnectionRules
{
    public const string BackendField = "backend";
    public const string UserField = "userName";

    /// <summary>Refuses a backend of the pool that is not per-user; an unknown one is left to the handler (404).</summary>
    public static void AddPerUserBackendRule<T>(this AbstractValidator<T> validator, Func<T, string?> name, IBackendPool pool)
    {
        validator.RuleFor(c => c).Custom((command, context) =>
        {
            var backend = name(command);
            if (!ServerName.TryValidate(backend, out var error))
            {
                context.AddFailure(new ValidationFailure(BackendField, error));
            }
            else if (pool.TryGet(ServerName.From(backend!), out var found) && !found.Settings.IsPerUser)
            {
                context.AddFailure(new ValidationFailure(BackendField, $"The backend '{backend}' uses shared credentials: there is nothing to connect for yourself."));
            }
        });
    }

    /// <summary>The per-user backend of the pool named <paramref name="name"/> (the validator let only a valid name through).</summary>
    public static IBackendConnection FindPerUser(IBackendPool pool, string name) =>
        pool.TryGet(ServerName.From(name), out var backend) && backend.Settings.IsPerUser
            ? backend
            : throw new NotFoundException("per-user backend", name);

    /// <summary>The backend must take an OAuth account (HTTP or SSE); a stdio backend only takes secrets.</summary>
    public static HttpBackendSettings OAuthCapable(IBackendConnection backend) =>
        backend.Settings as HttpBackendSettings
            ?? throw new DomainException("backend.oauth_not_http", $"Backend '{backend.Name}' runs over stdio: OAuth applies to HTTP and SSE backends.");

    /// <summary>
    /// The owner a user name stands for: that user's id; <c>local</c> (when no user has that name) the local user.
    /// </summary>
    public static Task<ConnectionOwner> OwnerOfAsync(IUserRepository users, string userName, CancellationToken cancellationToken) =>
        FindOwnerAsync(users, userName, orKey: false, cancellationToken);

    /// <summary>
    /// As <see cref="OwnerOfAsync"/>, and also the owner key (a user id) that the connection list shows for a user who is
    /// gone: a connection stored while its user was being removed outlives them and must still be removable by an administrator.
    /// </summary>
    public static Task<ConnectionOwner> OwnerOrKeyOfAsync(IUserRepository users, string userName, CancellationToken cancellationToken) =>
        FindOwnerAsync(users, userName, orKey: true, cancellationToken);

    private static async Task<ConnectionOwner> FindOwnerAsync(IUserRepository users, string userName, bool orKey, CancellationToken cancellationToken)
    {
        if (await users.FindByNameAsync(userName, cancellationToken) is { } user)
        {
            return ConnectionOwner.Of(user.Id);
        }

        if (orKey && Guid.TryParseExact(userName, "D", out var id))
        {
            return ConnectionOwner.Of(id);
        }

        return string.Equals(userName, ConnectionOwner.LocalKey, StringComparison.Ordinal)
            ? ConnectionOwner.Local
            : throw new NotFoundException("user", userName);
    }
}
