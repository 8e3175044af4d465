using FluentValidation;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OneMcp.Application.Users.Commands;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// Creates the first admin from <c>ONEMCP_ADMIN_USERNAME</c> / <c>ONEMCP_ADMIN_PASSWORD</c> at start-up
/// (registered after the migration, so the users table exists). The values were checked with the other settings of
/// <c>onemcp serve</c> before anything was written (<see cref="Settings.SettingsResolver"/>).
/// </summary>
internal sealed class EnsureAdminOnStart(IServiceScopeFactory scopes, EnsureAdminFromEnvironmentCommand command) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (command is { UserName: null, Password: null })
        {
            // Neither variable is set: nothing to create or to refuse, so the start does not load the command pipeline.
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        try
        {
            await scope.ServiceProvider.GetRequiredService<IMediator>().Send(command, cancellationToken);
        }
        catch (ValidationException e)
        {
            // The messages name the variable and the rule, never the value.
            throw new InvalidOperationException(string.Join(' ', e.Errors.Select(f => f.ErrorMessage)), e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
