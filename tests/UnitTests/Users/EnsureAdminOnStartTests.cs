using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Users.Commands;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.UnitTests.Users;

public sealed class EnsureAdminOnStartTests
{
    [Fact]
    public async Task WhenNeitherVariableIsSet_TheStartDoesNotEvenResolveTheCommandPipeline()
    {
        // No mediator, no handler, no database: resolving any of them would throw.
        await using var services = new ServiceCollection().BuildServiceProvider();
        var onStart = new EnsureAdminOnStart(services.GetRequiredService<IServiceScopeFactory>(), EnsureAdminFromEnvironmentCommand.FromEnvironment(_ => null));

        await onStart.StartAsync(CancellationToken.None);
    }

    [Fact]
    public async Task WhenAVariableIsSet_TheCommandRuns()
    {
        await using var services = new ServiceCollection().BuildServiceProvider();
        var onStart = new EnsureAdminOnStart(services.GetRequiredService<IServiceScopeFactory>(), new EnsureAdminFromEnvironmentCommand("admin", null));

        // Here the pipeline is needed (it refuses a user name without a password), and this container has none.
        await Should.ThrowAsync<InvalidOperationException>(() => onStart.StartAsync(CancellationToken.None));
    }
}
