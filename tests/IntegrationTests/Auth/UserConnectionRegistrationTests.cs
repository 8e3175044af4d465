using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Connections;
using OneMcp.Infrastructure.Connections;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>The gateway wires each user's connection store and OAuth flow (ADR 0033) over its own database.</summary>
public sealed class UserConnectionRegistrationTests
{
    [Fact]
    public async Task Gateway_ResolvesTheUserConnectionStoreAndFlow_OverItsDatabase()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());

        var store = gateway.Services.GetRequiredService<IUserConnectionStore>();
        var oauth = gateway.Services.GetRequiredService<IUserBackendOAuth>();

        store.ShouldBeSameAs(gateway.Services.GetRequiredService<UserConnectionStore>());
        oauth.ShouldBeOfType<UserBackendOAuth>();
        (await store.ListAsync(null, null, CancellationToken.None)).ShouldBeEmpty();
        (await store.DeleteForOwnerAsync(ConnectionOwner.Local, CancellationToken.None)).ShouldBe(0);
    }
}
