using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Audit;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>Without authentication there is one user, the local one: a per-user backend behaves as a shared one for it.</summary>
public sealed class PerUserWithoutAuthTests
{
    [Fact]
    public async Task APerUserBackend_WithoutAuth_RunsWithTheLocalUsersSecret()
    {
        var entry = ConfigBuilder.StdioTestServer("mine");
        entry["credentials"] = "perUser";
        entry["env"] = new JsonObject { ["USER_KEY"] = "${user:API_KEY}" };
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("mine", entry));
        var mine = ServerName.From("mine");
        await gateway.Services.GetRequiredService<IUserConnectionStore>().SetSecretsAsync(
            mine, ConnectionOwner.Local, new Dictionary<string, string> { ["API_KEY"] = "local-key-3c9e" }, setFor: null, CancellationToken.None);
        await gateway.Services.GetRequiredService<IPerUserBackends>().ReleaseAsync(mine, ConnectionOwner.Local, CancellationToken.None);
        await Eventually.TrueAsync(() => gateway.Backend("mine").State.Status == BackendStatus.Connected, "the catalogue of 'mine'");
        var client = await gateway.ConnectAsync();

        var result = await client.CallToolAsync("mine_1mcp_env", new Dictionary<string, object?> { ["name"] = "USER_KEY" });

        result.IsError.ShouldNotBe(true);
        JsonNode.Parse(result.Content.OfType<TextContentBlock>().Single().Text)!["value"]!.GetValue<string>().ShouldBe("local-key-3c9e");
        var audited = await Eventually.ValueAsync(
            async () => await gateway.Services.GetRequiredService<IAuditRepository>().ListAsync(new AuditFilter(Backend: "mine"), 10, CancellationToken.None),
            rows => rows.Count > 0,
            "the call's audit entry");
        audited[0].Entry.Credentials.ShouldBe(AuditCredentials.User);
    }

    [Fact]
    public async Task APerUserBackendWithoutUserSecrets_WithoutAuth_IsListedAndCalledAsAShared()
    {
        var entry = ConfigBuilder.StdioTestServer("plain");
        entry["credentials"] = "perUser";
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("plain", entry));
        await Eventually.TrueAsync(() => gateway.Backend("plain").State.Status == BackendStatus.Connected, "the catalogue of 'plain'");
        var client = await gateway.ConnectAsync();

        (await client.ListToolsAsync()).Select(t => t.Name).ShouldContain("plain_1mcp_env");
        var result = await client.CallToolAsync("plain_1mcp_env", new Dictionary<string, object?> { ["name"] = "PATH" });

        result.IsError.ShouldNotBe(true);
    }
}
