using MediatR;
using Microsoft.Extensions.Logging;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

public sealed partial class EnsureAdminFromEnvironmentHandler(
    IUserRepository repository,
    IPasswordHasher hasher,
    TimeProvider time,
    ILogger<EnsureAdminFromEnvironmentHandler> logger)
    : IRequestHandler<EnsureAdminFromEnvironmentCommand, EnsureAdminOutcome>
{
    public async Task<EnsureAdminOutcome> Handle(EnsureAdminFromEnvironmentCommand request, CancellationToken cancellationToken)
    {
        // The values passed EnsureAdminFromEnvironmentValidator with the other settings of serve, before the database was opened.
        if (request.UserName is null || request.Password is null)
        {
            return EnsureAdminOutcome.NotConfigured;
        }

        if (await repository.FindByNameAsync(request.UserName, cancellationToken) is { } existing)
        {
            LogIgnored(logger, existing.UserName);
            return EnsureAdminOutcome.AlreadyExists;
        }

        var user = User.Create(request.UserName, hasher.Hash(request.Password), UserRole.Admin, time.GetUtcNow());
        try
        {
            await repository.AddAsync(user, cancellationToken);
        }
        catch (DuplicateNameException)
        {
            // Another replica created it a moment ago: the same outcome as finding it.
            LogIgnored(logger, user.UserName);
            return EnsureAdminOutcome.AlreadyExists;
        }

        LogCreated(logger, user.UserName);
        return EnsureAdminOutcome.Created;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the admin user '{UserName}' from ONEMCP_ADMIN_USERNAME and ONEMCP_ADMIN_PASSWORD.")]
    private static partial void LogCreated(ILogger logger, string userName);

    [LoggerMessage(Level = LogLevel.Information, Message = "The user '{UserName}' already exists; ONEMCP_ADMIN_USERNAME and ONEMCP_ADMIN_PASSWORD were ignored (change a password with 'onemcp users set-password').")]
    private static partial void LogIgnored(ILogger logger, string userName);
}
