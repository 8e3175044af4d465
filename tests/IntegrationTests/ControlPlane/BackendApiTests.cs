using System.Net;
using System.Text.Json.Nodes;
using OneMcp.Application.Backends;
using OneMcp.IntegrationTests.Gateway;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.ControlPlane;

/// <summary>Backends managed through the REST API of a real gateway; each test changes it, so each has its own.</summary>
public sealed class BackendApiTests
{
    [Fact]
    public async Task Register_WhenValid_ConnectsTheBackendAndItsToolsReachClientsWithListChanged()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")));
        using var rest = new RestClient(gateway);
        var toolsChanged = new NotificationLog();
        var client = await gateway.ConnectAsync(handlers: HotReloadTests.Recording(toolsChanged));
        (await HotReloadTests.ToolNamesAsync(client)).ShouldNotContain("beta_1mcp_echo");

        var created = await rest.PostAsync("/api/backends", Definitions.TestServer("beta", "db"));

        created.Status.ShouldBe(HttpStatusCode.Created, created.Text);
        created.Str("origin").ShouldBe("api");
        created.Int("version").ShouldBe(1);
        await toolsChanged.AtLeastAsync(1, "tools/list_changed after beta was registered");
        await Eventually.ValueAsync(() => HotReloadTests.ToolNamesAsync(client), names => names.Contains("beta_1mcp_echo"), "beta's tools to be listed");
        (await HotReloadTests.WhoAmIAsync(client, "beta")).Name.ShouldBe("beta");
        var read = await Eventually.ValueAsync(() => rest.GetAsync("/api/backends/beta"), r => r.Json?["runtime"]?["status"]?.GetValue<string>() == "connected", "beta to show as connected");
        read.Json!["runtime"]!["tools"]!.GetValue<int>().ShouldBeGreaterThan(0);
        read.Json["runtime"]!["protocolVersion"]!.GetValue<string>().ShouldBe("2026-07-28", "the newest revision the backend speaks (the test server over stdio answers server/discover)");
        var health = await rest.GetAsync("/health");
        health.Json!["backends"]!.AsArray().Single(b => b!["name"]!.GetValue<string>() == "beta")!["protocolVersion"]!.GetValue<string>().ShouldBe("2026-07-28");
        read.Json["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["db"]);
        var list = await rest.GetAsync("/api/backends");
        list.Json!.AsArray().Select(b => $"{b!["name"]}:{b["origin"]}").ShouldBe(["alpha:config", "beta:api"]);
    }

    [Fact]
    public async Task UpdateAndRemove_WhenTheBackendIsAnApiBackend_ApplyToThePoolAndStaleEditsAreRefused()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        using var rest = new RestClient(gateway);
        (await rest.PostAsync("/api/backends", Definitions.TestServer("beta"))).Status.ShouldBe(HttpStatusCode.Created);
        var webChanged = new NotificationLog();
        var web = await gateway.ConnectAsync("?tags=web", HotReloadTests.Recording(webChanged));
        (await HotReloadTests.ToolNamesAsync(web)).ShouldBeEmpty();

        var edit = Definitions.TestServer("beta", "web");
        edit.Remove("name");
        edit["expectedVersion"] = 1;
        var updated = await rest.PutAsync("/api/backends/beta", edit);

        updated.Status.ShouldBe(HttpStatusCode.OK, updated.Text);
        updated.Int("version").ShouldBe(2);
        await webChanged.AtLeastAsync(1, "tools/list_changed at the session that now sees beta");
        await Eventually.ValueAsync(() => HotReloadTests.ToolNamesAsync(web), names => names.Contains("beta_1mcp_echo"), "beta's tools at the web session");

        var stale = (JsonObject)edit.DeepClone();
        stale["tags"] = new JsonArray("db");
        (await rest.PutAsync("/api/backends/beta", stale)).ShouldBeProblem(HttpStatusCode.Conflict).Str("code").ShouldBe("version_conflict");
        (await rest.GetAsync("/api/backends/beta")).Json!["tags"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["web"]);

        (await rest.DeleteAsync("/api/backends/beta")).Status.ShouldBe(HttpStatusCode.NoContent);

        (await rest.GetAsync("/api/backends/beta")).ShouldBeProblem(HttpStatusCode.NotFound);
        await Eventually.ValueAsync(() => HotReloadTests.ToolNamesAsync(web), names => names.Count == 0, "beta's tools to disappear");
        gateway.Pool.Backends.ShouldBeEmpty();
    }

    [Fact]
    public async Task DisableAndEnable_WhenTheBackendComesFromMcpJson_StopAndRestartIt()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha"))
            .Add("beta", ConfigBuilder.StdioTestServer("beta")));
        using var rest = new RestClient(gateway);
        var toolsChanged = new NotificationLog();
        var client = await gateway.ConnectAsync(handlers: HotReloadTests.Recording(toolsChanged));
        (await HotReloadTests.ToolNamesAsync(client)).ShouldContain("alpha_1mcp_echo");

        var disabled = await rest.PostAsync("/api/backends/alpha/disable");

        disabled.Status.ShouldBe(HttpStatusCode.OK, disabled.Text);
        disabled.Json!["enabled"]!.GetValue<bool>().ShouldBeFalse();
        await toolsChanged.AtLeastAsync(1, "tools/list_changed after alpha was disabled");
        await Eventually.ValueAsync(() => HotReloadTests.ToolNamesAsync(client), names => !names.Contains("alpha_1mcp_echo"), "alpha's tools to disappear");
        (await HotReloadTests.ToolNamesAsync(client)).ShouldContain("beta_1mcp_echo");
        (await rest.GetAsync("/api/backends/alpha")).Json!["runtime"]!["status"]!.GetValue<string>().ShouldBe("disabled");

        var enabled = await rest.PostAsync("/api/backends/alpha/enable");

        enabled.Status.ShouldBe(HttpStatusCode.OK, enabled.Text);
        await Eventually.ValueAsync(() => HotReloadTests.ToolNamesAsync(client), names => names.Contains("alpha_1mcp_echo"), "alpha's tools to come back");
    }

    [Fact]
    public async Task Disable_WhenMcpJsonIsReloaded_StaysDisabled()
    {
        var config = new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha"));
        await using var gateway = await GatewayUnderTest.StartAsync(config);
        using var rest = new RestClient(gateway);
        (await rest.PostAsync("/api/backends/alpha/disable")).Status.ShouldBe(HttpStatusCode.OK);

        await gateway.WriteConfigAsync(config.Add("gamma", ConfigBuilder.StdioTestServer("gamma", ["web"])));

        await Eventually.ValueAsync(() => rest.GetAsync("/api/backends/gamma"), r => r.Status == HttpStatusCode.OK, "gamma to be synced from mcp.json");
        var alpha = await rest.GetAsync("/api/backends/alpha");
        alpha.Json!["enabled"]!.GetValue<bool>().ShouldBeFalse();
        gateway.Backend("alpha").State.Status.ShouldBe(Application.Backends.BackendStatus.Disabled);
    }

    [Fact]
    public async Task EditAndRemove_WhenTheBackendComesFromMcpJson_AreRefusedAsConflicts()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")));
        using var rest = new RestClient(gateway);
        var before = await rest.BackendsFingerprintAsync();
        var edit = ConfigBuilder.StdioTestServer("alpha", ["web"]);
        edit["expectedVersion"] = 1;

        (await rest.PutAsync("/api/backends/alpha", edit)).ShouldBeProblem(HttpStatusCode.Conflict).Str("code").ShouldBe("backend.read_only");
        (await rest.DeleteAsync("/api/backends/alpha")).ShouldBeProblem(HttpStatusCode.Conflict).Str("code").ShouldBe("backend.read_only");

        (await rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task AuthorizeAndRestartOAuth_WhenTheBackendHasPerUserCredentials_AreRefusedAndChangeNothing()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder());
        using var rest = new RestClient(gateway);
        var notes = JsonNode.Parse("""
            {"name": "notes", "url": "http://127.0.0.1:9/mcp", "credentials": "perUser", "oauth": {"clientId": "client-1"}}
            """)!;
        (await rest.PostAsync("/api/backends", notes)).Status.ShouldBe(HttpStatusCode.Created);
        var before = await rest.BackendsFingerprintAsync();

        var restart = (await rest.PostAsync("/api/backends/notes/oauth/restart")).ShouldBeProblem(HttpStatusCode.BadRequest);
        var authorize = (await rest.PostAsync("/api/backends/notes/oauth/authorize")).ShouldBeProblem(HttpStatusCode.BadRequest);

        restart.Str("code").ShouldBe("backend.oauth_per_user");
        authorize.Str("code").ShouldBe("backend.oauth_per_user");
        authorize.Str("detail")!.ShouldContain("My connections");
        (await rest.BackendsFingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Restart_WithoutAnMcpJson_KeepsTheBackendsAnEarlierMcpJsonAdded_WithTheirSwitches()
    {
        var store = Path.Combine(Path.GetTempPath(), "onemcp-tests", "store-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var first = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")).Add("gamma", ConfigBuilder.StdioTestServer("gamma")), dataDirectory: store))
            {
                using var rest = new RestClient(first);
                (await rest.PostAsync("/api/backends/gamma/disable")).Status.ShouldBe(HttpStatusCode.OK);
            }

            // Started elsewhere, with no mcp.json to read: nothing says alpha and gamma are gone.
            await using var second = await GatewayUnderTest.StartAsync(new ConfigBuilder(), dataDirectory: store, adjust: o => o with { ConfigPath = null, Configuration = null });
            var client = await second.ConnectAsync();

            (await HotReloadTests.WhoAmIAsync(client, "alpha")).Name.ShouldBe("alpha");
            second.Backend("gamma").State.Status.ShouldBe(BackendStatus.Disabled);
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    [Fact]
    public async Task Restart_WhenABackendWasRegisteredThroughTheApi_IsStillThereAndConnected()
    {
        var store = Path.Combine(Path.GetTempPath(), "onemcp-tests", "store-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var first = await GatewayUnderTest.StartAsync(new ConfigBuilder(), dataDirectory: store))
            {
                using var rest = new RestClient(first);
                (await rest.PostAsync("/api/backends", Definitions.TestServer("beta"))).Status.ShouldBe(HttpStatusCode.Created);
            }

            await using var second = await GatewayUnderTest.StartAsync(new ConfigBuilder(), dataDirectory: store);
            var client = await second.ConnectAsync();

            (await HotReloadTests.WhoAmIAsync(client, "beta")).Name.ShouldBe("beta");
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }
}
