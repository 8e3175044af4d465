using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.UnitTests.Replicas;

/// <summary>A backend's OAuth token due for renewal while the database cannot be reached is still used until it expires.</summary>
public sealed class BackendTokensWhileDatabaseDownTests
{
    private static readonly ServerName Vault = ServerName.From("vault");

    private static readonly BackendOAuthClientRegistration Client = new(
        "https://as.example.com", new Uri("https://as.example.com/authorize"), new Uri("https://as.example.com/token"),
        new Uri("https://gateway.example.com/oauth/callback/vault"), "client-1", null, "https://vault.example.com/mcp", Registered: true);

    [Fact]
    public async Task ATokenDueForRenewal_IsUsedAsItIs_WhileTheDatabaseIsDown()
    {
        await using var unreachable = new NpgsqlConnectionFactory($"Host=127.0.0.1;Port={ClosedPort()};Username=onemcp;Timeout=2");
        using var http = new HttpClient();
        var keys = new EphemeralDataProtectionProvider();
        var source = new BackendTokenSource(
            new BackendCredentialStore(unreachable, keys, TimeProvider.System),
            new UserConnectionStore(unreachable, keys, TimeProvider.System),
            new BackendOAuthHttp(http), TimeProvider.System, NullLogger<BackendTokenSource>.Instance, new BackendRefreshLock(unreachable));
        var now = DateTimeOffset.UtcNow;
        source.Use(Vault, new BackendTokenSet("still-valid", "refresh", now.AddMinutes(-10), now.AddSeconds(30), [], Client));

        (await source.GetAccessTokenAsync(Vault, CancellationToken.None)).ShouldBe("still-valid");
    }

    [Fact]
    public async Task AnExpiredToken_IsNotUsed_WhileTheDatabaseIsDown()
    {
        await using var unreachable = new NpgsqlConnectionFactory($"Host=127.0.0.1;Port={ClosedPort()};Username=onemcp;Timeout=2");
        using var http = new HttpClient();
        var keys = new EphemeralDataProtectionProvider();
        var source = new BackendTokenSource(
            new BackendCredentialStore(unreachable, keys, TimeProvider.System),
            new UserConnectionStore(unreachable, keys, TimeProvider.System),
            new BackendOAuthHttp(http), TimeProvider.System, NullLogger<BackendTokenSource>.Instance, new BackendRefreshLock(unreachable));
        var now = DateTimeOffset.UtcNow;
        source.Use(Vault, new BackendTokenSet("expired", "refresh", now.AddMinutes(-10), now.AddSeconds(-1), [], Client));

        var failure = await Should.ThrowAsync<Exception>(() => source.GetAccessTokenAsync(Vault, CancellationToken.None).AsTask());
        DatabaseAvailability.Classify(failure).ShouldNotBeNull();
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
