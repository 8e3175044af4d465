using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Users;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// One gateway with <c>--enable-auth</c>, members (alice, bob, carol; dave and erin for the 2026-07-28 tests) and four per-user backends, all instances
/// of the test server: <c>keyed</c> over HTTP with <c>X-Api-Key: ${user:API_KEY}</c>, <c>proc</c> over stdio with
/// <c>USER_KEY=${user:API_KEY}</c> (the HTTP server answers each key with a cookie, session=&lt;key&gt;), <c>single</c> (stdio, <c>maxInstances: 1</c>) and <c>idle</c> (stdio, idle after
/// 0.02 minutes); and <c>plain</c>, a shared backend on the same HTTP server as <c>keyed</c>. The gateway logs at debug level into <see cref="Log"/>.
/// </summary>
public sealed class PerUserGatewayFixture : IAsyncLifetime
{
    public const string Password = "a long enough password for tests";
    private const string RedirectUri = "http://127.0.0.1:45561/cb";

    private HttpTestServer _keyed = null!;

    internal LogCapture Log { get; } = new();

    internal GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _keyed = await HttpTestServer.StartAsync("keyed", extraArgs: ["--session-cookie"]);
        var keyed = PerUser(ConfigBuilder.HttpServer(_keyed.McpUrl, ["web"]));
        keyed["headers"] = new JsonObject { ["X-Api-Key"] = "${user:API_KEY}" };
        var proc = PerUser(ConfigBuilder.StdioTestServer("proc", ["web"]));
        proc["env"] = new JsonObject { ["USER_KEY"] = "${user:API_KEY}" };
        var single = PerUser(ConfigBuilder.StdioTestServer("single", ["web"]));
        single["maxInstances"] = 1;
        var idle = PerUser(ConfigBuilder.StdioTestServer("idle", ["web"]));
        idle["idleTimeoutMinutes"] = 0.02;

        Gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder().Add("keyed", keyed).Add("plain", ConfigBuilder.HttpServer(_keyed.McpUrl, ["web"])).Add("proc", proc).Add("single", single).Add("idle", idle),
            adjust: o => o with { LogLevel = LogLevel.Debug },
            configureBuilder: b => b.Logging.AddProvider(Log));
        foreach (var user in new[] { "alice", "bob", "carol", "dave", "erin" })
        {
            await Gateway.AddUserAsync(user, Password);
        }
    }

    private static JsonObject PerUser(JsonObject entry)
    {
        entry["credentials"] = "perUser";
        return entry;
    }

    public async Task<ConnectionOwner> OwnerAsync(string userName)
    {
        await using var scope = Gateway.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<IUserRepository>().FindByNameAsync(userName, CancellationToken.None);
        return ConnectionOwner.Of(user.ShouldNotBeNull().Id);
    }

    /// <summary>Stores the user's secret as "My connections" does, and tells the runtime the connection changed.</summary>
    public async Task SetSecretAsync(string backend, string userName, string name, string value)
    {
        var owner = await OwnerAsync(userName);
        var server = OneMcp.Domain.Backends.ServerName.From(backend);
        await Gateway.Services.GetRequiredService<IUserConnectionStore>().SetSecretsAsync(server, owner, new Dictionary<string, string> { [name] = value }, setFor: null, CancellationToken.None);
        await Gateway.Services.GetRequiredService<IPerUserBackends>().ReleaseAsync(server, owner, CancellationToken.None);
    }

    /// <summary>Waits until the per-user backend shows its catalogue (learned from a user's connection).</summary>
    public Task CatalogueAsync(string backend) =>
        Eventually.TrueAsync(() => Gateway.Backend(backend).State.Status == BackendStatus.Connected, $"the catalogue of '{backend}'");

    /// <summary>An MCP client of /mcp signed in as <paramref name="userName"/> (scope tag:web); the caller disposes it.</summary>
    public async Task<McpClient> ClientAsync(string userName) =>
        await EraClient.ConnectAsync(Gateway, ProtocolEras.Legacy, await TokenAsync(userName));

    /// <summary>An access token of <paramref name="userName"/> for /mcp (scope tag:web).</summary>
    public Task<string> TokenAsync(string userName) =>
        new OAuthFlowDriver(Gateway.BaseUrl).AccessTokenAsync(RedirectUri, ["tag:web"], userName, Password);

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await _keyed.DisposeAsync();
        Log.Dispose();
    }
}
