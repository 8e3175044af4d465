using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using OneMcp.IntegrationTests.Gateway;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.ControlPlane;

public sealed class PresetApiTests
{
    [Fact]
    public async Task Preset_WhenCreatedUpdatedAndDeleted_SessionsUsingItFollowWithListChanged()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"])));
        using var rest = new RestClient(gateway);

        var created = await rest.PostAsync("/api/presets", new JsonObject { ["name"] = "team", ["expression"] = "web", ["description"] = "the web team" });

        created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
        created.Int("version").ShouldBe(1);
        Backends(created).ShouldBe(["alpha"]);
        (await rest.GetAsync("/api/presets/team")).Str("description").ShouldBe("the web team");
        (await rest.GetAsync("/api/presets")).Json!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ShouldBe(["team"]);
        var toolsChanged = new NotificationLog();
        var client = await gateway.ConnectAsync("?preset=team", HotReloadTests.Recording(toolsChanged));
        (await ServersAsync(client)).ShouldBe(["alpha"]);

        var updated = await rest.PutAsync("/api/presets/team", new JsonObject { ["expression"] = "db", ["expectedVersion"] = 1 });

        updated.Status.ShouldBe(HttpStatusCode.OK, updated.Text);
        Backends(updated).ShouldBe(["beta"]);
        Backends(await rest.GetAsync("/api/presets/team")).ShouldBe(["beta"]);
        await toolsChanged.AtLeastAsync(1, "tools/list_changed after the preset changed");
        (await ServersAsync(client)).ShouldBe(["beta"]);
        (await rest.PutAsync("/api/presets/team", new JsonObject { ["expression"] = "web", ["expectedVersion"] = 1 }))
            .ShouldBeProblem(HttpStatusCode.Conflict);

        (await rest.DeleteAsync("/api/presets/team")).Status.ShouldBe(HttpStatusCode.NoContent);

        await toolsChanged.AtLeastAsync(2, "tools/list_changed after the preset was deleted");
        (await ServersAsync(client)).ShouldBeEmpty();
        (await rest.GetAsync("/api/presets/team")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Connect_WhenThePresetIsUnknown_IsRefused()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])));
        using var rest = new RestClient(gateway);
        (await rest.PostAsync("/api/presets", new JsonObject { ["name"] = "known", ["expression"] = "web" })).Status.ShouldBe(HttpStatusCode.Created);

        await Should.ThrowAsync<Exception>(() => gateway.ConnectAsync("?preset=unknown"));
        var known = await gateway.ConnectAsync("?preset=known");

        (await ServersAsync(known)).ShouldBe(["alpha"]);
    }

    private static List<string> Backends(RestResponse response) =>
        [.. response.Json!["backends"]!.AsArray().Select(b => b!.GetValue<string>())];

    private static async Task<List<string>> ServersAsync(McpClient client) =>
        [.. (await client.ListToolsAsync()).Select(t => t.Name.Split("_1mcp_")[0]).Distinct().Order(StringComparer.Ordinal)];
}
