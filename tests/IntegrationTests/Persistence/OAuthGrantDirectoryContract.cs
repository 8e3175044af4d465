using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Authorization;
using OneMcp.Infrastructure.Identity;
using OneMcp.Infrastructure.Persistence;
using OneMcp.Infrastructure.Persistence.OpenIddict;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.IntegrationTests.Persistence;

/// <summary><see cref="IOAuthGrantDirectory"/> over the Dapper OpenIddict stores, as <c>GET /api/clients</c> uses it.</summary>
public abstract class OAuthGrantDirectoryContract(ITestDatabaseSource source) : RepositoryContract(source)
{
    [Fact]
    public async Task ListClients_WithManyClients_IssuesOneQuery_AndListsEachWithItsValidGrantsOnly()
    {
        var counting = new CountingConnectionFactory(Factory);
        await using var services = BuildServices(counting);
        await using (var scope = services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
            for (var i = 0; i < 5; i++)
            {
                var descriptor = new OpenIddictApplicationDescriptor { ClientId = $"client-{i}", ClientType = ClientTypes.Public, DisplayName = $"Client {i}" };
                descriptor.RedirectUris.Add(new Uri($"http://127.0.0.1:{9000 + i}/b"));
                descriptor.RedirectUris.Add(new Uri($"http://127.0.0.1:{9000 + i}/a"));
                var application = await applications.CreateAsync(descriptor, Ct);
                var applicationId = (await applications.GetIdAsync(application, Ct))!;
                for (var g = 0; g < i % 3; g++)
                {
                    await authorizations.CreateAsync(Grant(applicationId, $"user-{g}", Statuses.Valid, T0.AddMinutes(g)), Ct);
                }

                await authorizations.CreateAsync(Grant(applicationId, "revoked-user", Statuses.Revoked, T0), Ct);
            }
        }

        counting.Reset();
        await using var listing = services.CreateAsyncScope();
        var clients = await listing.ServiceProvider.GetRequiredService<IOAuthGrantDirectory>().ListClientsAsync(Ct);

        counting.Commands.ShouldBe(1);
        clients.Select(c => c.ClientId).ShouldBe(["client-0", "client-1", "client-2", "client-3", "client-4"]);
        clients.Select(c => c.Grants.Count).ShouldBe([0, 1, 2, 0, 1]);
        var client2 = clients[2];
        client2.DisplayName.ShouldBe("Client 2");
        client2.ClientType.ShouldBe(ClientTypes.Public);
        client2.RedirectUris.ShouldBe(["http://127.0.0.1:9002/a", "http://127.0.0.1:9002/b"]);
        client2.Grants.Select(g => g.Subject).Order(StringComparer.Ordinal).ShouldBe(["user-0", "user-1"]);
        client2.Grants.ShouldAllBe(g => g.ClientId == "client-2" && g.Scopes.Count == 1 && g.Scopes[0] == "tag:web");
        client2.Grants.Single(g => g.Subject == "user-1").CreatedAt.ShouldBe(Stored(T0.AddMinutes(1)));
    }

    [Fact]
    public async Task ListClients_WithNoClients_IsEmpty()
    {
        await using var services = BuildServices(Factory);
        await using var scope = services.CreateAsyncScope();

        (await scope.ServiceProvider.GetRequiredService<IOAuthGrantDirectory>().ListClientsAsync(Ct)).ShouldBeEmpty();
    }

    private static OpenIddictAuthorizationDescriptor Grant(string applicationId, string subject, string status, DateTimeOffset created)
    {
        var descriptor = new OpenIddictAuthorizationDescriptor
        {
            ApplicationId = applicationId,
            CreationDate = created,
            Status = status,
            Subject = subject,
            Type = AuthorizationTypes.Permanent,
        };
        descriptor.Scopes.Add("tag:web");
        return descriptor;
    }

    private static ServiceProvider BuildServices(IDbConnectionFactory connections)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IDbConnectionFactory>(connections);
        services.AddOpenIddict().AddCore(options => options.UseDapperStores());
        services.AddOAuthGrantDirectory();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
