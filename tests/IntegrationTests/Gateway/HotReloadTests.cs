using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// Edits of mcp.json while the gateway runs: each test has its own gateway, because each changes it.
/// </summary>
public sealed class HotReloadTests
{
    [Fact]
    public async Task Reload_WhenAServerIsAdded_NotifiesClientsAndListsItsTools()
    {
        var config = new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha"));
        await using var gateway = await GatewayUnderTest.StartAsync(config);
        var toolsChanged = new NotificationLog();
        var client = await gateway.ConnectAsync(handlers: Recording(toolsChanged));
        (await ToolNamesAsync(client)).ShouldNotContain("beta_1mcp_echo");

        await gateway.WriteConfigAsync(config.Add("beta", ConfigBuilder.StdioTestServer("beta")));

        await toolsChanged.AtLeastAsync(1, "tools/list_changed after beta was added");
        var names = await ToolNamesAsync(client);
        names.ShouldContain("beta_1mcp_echo");
        names.ShouldContain("alpha_1mcp_echo");
        (await WhoAmIAsync(client, "beta")).Name.ShouldBe("beta");
    }

    [Fact]
    public async Task Reload_WhenAServerIsRemoved_NotifiesClientsAndItsToolsBecomeUnknown()
    {
        var config = new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha"))
            .Add("beta", ConfigBuilder.StdioTestServer("beta"));
        await using var gateway = await GatewayUnderTest.StartAsync(config);
        var toolsChanged = new NotificationLog();
        var client = await gateway.ConnectAsync(handlers: Recording(toolsChanged));
        var alphaBefore = await WhoAmIAsync(client, "alpha");
        var betaBefore = await WhoAmIAsync(client, "beta");

        await gateway.WriteConfigAsync(config.Remove("beta"));

        await toolsChanged.AtLeastAsync(1, "tools/list_changed after beta was removed");
        var names = await ToolNamesAsync(client);
        names.ShouldNotContain(n => n.StartsWith("beta_1mcp_", StringComparison.Ordinal));
        names.ShouldContain("alpha_1mcp_echo");
        var error = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("beta_1mcp_whoami").AsTask());
        error.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        error.Message.ShouldContain("Unknown tool");
        (await WhoAmIAsync(client, "alpha")).Pid.ShouldBe(alphaBefore.Pid);
        await Eventually.TrueAsync(() => !IsRunning(betaBefore.Pid), "the removed backend's process to end");
    }

    [Fact]
    public async Task Reload_WhenOnlyMetadataChanges_AppliesItWithoutRestartingTheBackend()
    {
        var config = new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]));
        await using var gateway = await GatewayUnderTest.StartAsync(config);
        var everythingChanged = new NotificationLog();
        var dbChanged = new NotificationLog();
        var webChanged = new NotificationLog();
        var everything = await gateway.ConnectAsync(handlers: Recording(everythingChanged));
        var dbOnly = await gateway.ConnectAsync("?tags=db", Recording(dbChanged));
        var webOnly = await gateway.ConnectAsync("?tags=web", Recording(webChanged));
        var before = await WhoAmIAsync(everything, "alpha");
        (await ToolNamesAsync(dbOnly)).ShouldBeEmpty();
        (await ToolNamesAsync(webOnly)).ShouldContain("alpha_1mcp_echo");
        (await ToolNamesAsync(everything)).ShouldContain("alpha_1mcp_add");

        config["alpha"]["tags"] = new JsonArray("db");
        config["alpha"]["disabledTools"] = new JsonArray("add");
        config["alpha"]["toolDescriptionOverrides"] = new JsonObject { ["echo"] = "Echo, described by the configuration." };
        await gateway.WriteConfigAsync(config);

        await everythingChanged.AtLeastAsync(1, "tools/list_changed at the unfiltered session");
        await dbChanged.AtLeastAsync(1, "tools/list_changed at the session that now sees alpha");
        await webChanged.AtLeastAsync(1, "tools/list_changed at the session that no longer sees alpha");
        (await ToolNamesAsync(webOnly)).ShouldBeEmpty();
        var tools = await everything.ListToolsAsync();
        tools.Select(t => t.Name).ShouldNotContain("alpha_1mcp_add");
        tools.Single(t => t.Name == "alpha_1mcp_echo").Description.ShouldBe("Echo, described by the configuration.");
        (await ToolNamesAsync(dbOnly)).ShouldContain("alpha_1mcp_echo");
        (await WhoAmIAsync(dbOnly, "alpha")).Pid.ShouldBe(before.Pid);
    }

    [Fact]
    public async Task Reload_WhenAConnectionSettingChanges_RestartsOnlyThatBackend()
    {
        var config = new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha"))
            .Add("beta", ConfigBuilder.StdioTestServer("beta"));
        await using var gateway = await GatewayUnderTest.StartAsync(config);
        var toolsChanged = new NotificationLog();
        var client = await gateway.ConnectAsync(handlers: Recording(toolsChanged));
        var alphaBefore = await WhoAmIAsync(client, "alpha");
        var betaBefore = await WhoAmIAsync(client, "beta");

        config["alpha"]["env"] = new JsonObject { ["ONEMCP_TEST_RELOAD"] = "1" };
        ((JsonArray)config["alpha"]["args"]!).Add("--instructions");
        ((JsonArray)config["alpha"]["args"]!).Add("Alpha after the edit.");
        await gateway.WriteConfigAsync(config);

        await toolsChanged.AtLeastAsync(1, "tools/list_changed while alpha restarts");
        var alphaAfter = await Eventually.ValueAsync(
            () => WhoAmIAsync(client, "alpha"),
            who => who.Pid != alphaBefore.Pid,
            "alpha to answer from a new process");
        alphaAfter.Name.ShouldBe("alpha");
        (await WhoAmIAsync(client, "beta")).Pid.ShouldBe(betaBefore.Pid);
        await Eventually.TrueAsync(() => !IsRunning(alphaBefore.Pid), "the old alpha process to end");
    }

    [Theory]
    [InlineData("stdio")]
    [InlineData("http")]
    public async Task Reload_WhenABackendRestartsWithACallInFlight_TheCallEndsSayingSoAndTheNextOneReachesTheNewConnection(string transport)
    {
        await using var remote = transport == "http" ? await HttpTestServer.StartAsync("alpha") : null;
        var config = new ConfigBuilder().Add("alpha", remote is null ? ConfigBuilder.StdioTestServer("alpha") : ConfigBuilder.HttpServer(remote.McpUrl));
        await using var gateway = await GatewayUnderTest.StartAsync(config);
        var client = await gateway.ConnectAsync();
        var before = gateway.Backend("alpha");
        var started = await SlowCallsStartedAsync(client);
        var inFlight = client.CallToolAsync("alpha_1mcp_slow", AggregationTests.Args(("ms", 60_000))).AsTask();
        await Eventually.ValueAsync(() => SlowCallsStartedAsync(client), n => n == started + 1, "the slow call to start");

        config["alpha"][remote is null ? "env" : "headers"] = new JsonObject { ["ONEMCP_TEST_RELOAD"] = "1" };
        await gateway.WriteConfigAsync(config);

        // Whether it ran is unknown, so it is not sent again, neither to the old connection nor to the new one: the
        // client is told which backend went away under it, in a JSON-RPC error.
        var error = await Should.ThrowAsync<McpProtocolException>(inFlight);
        error.Message.ShouldEndWith("Server 'alpha' was restarted while tools/call 'slow' was running; it was not sent again.");
        await Eventually.TrueAsync(
            () => !ReferenceEquals(gateway.Backend("alpha"), before) && gateway.Backend("alpha").State.Status == Application.Backends.BackendStatus.Connected,
            "the restarted backend to connect");
        AggregationTests.Text(await client.CallToolAsync("alpha_1mcp_echo", AggregationTests.Args(("message", "after the reload")))).ShouldBe("after the reload");
    }

    private static async Task<int> SlowCallsStartedAsync(McpClient client) =>
        int.Parse(AggregationTests.Text(await client.CallToolAsync("alpha_1mcp_slow_started")), CultureInfo.InvariantCulture);

    internal static McpClientHandlers Recording(NotificationLog toolsChanged) => new()
    {
        NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, toolsChanged.Record)],
    };

    internal static async Task<List<string>> ToolNamesAsync(McpClient client) =>
        [.. (await client.ListToolsAsync()).Select(t => t.Name)];

    internal static async Task<(string Name, int Pid)> WhoAmIAsync(McpClient client, string server)
    {
        var result = await client.CallToolAsync($"{server}_1mcp_whoami");
        var json = JsonDocument.Parse(result.Content.OfType<TextContentBlock>().Single().Text).RootElement;
        return (json.GetProperty("name").GetString()!, json.GetProperty("pid").GetInt32());
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            return File.ReadAllBytes($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Length > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>
/// Broken edits, against the real gateway process: its log says when it has read (and refused) an edit,
/// where an in-process gateway gives no signal that a refused edit was even looked at. A class of its
/// own so it runs alongside <see cref="HotReloadTests"/>.
/// </summary>
public sealed class BrokenEditHotReloadTests
{
    [Fact]
    public async Task Reload_WhenEditsAreBroken_KeepsServingTheLastGoodConfigurationUntilAGoodEdit()
    {
        using var directory = new TestDirectory();
        var configPath = directory.WriteConfig(new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")));
        await using var gateway = GatewayProcess.Start(["serve", "--config", configPath, "--port", "0"], directory.Path);
        var toolsChanged = new NotificationLog();
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = await gateway.WaitForListeningAsync() }),
            new McpClientOptions { Handlers = HotReloadTests.Recording(toolsChanged), ProtocolVersion = ProtocolEras.Legacy });
        var before = await HotReloadTests.WhoAmIAsync(client, "alpha");

        // Each broken file also adds beta: had any of it been applied, beta would show up.
        var withBeta = new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")).Add("beta", ConfigBuilder.StdioTestServer("beta"));
        await File.WriteAllTextAsync(configPath, withBeta.ToJson()[..^2]);
        await RefusedAsync(gateway, "$");
        await StillServingTheOldConfigurationAsync(client, before.Pid);

        withBeta["alpha"]["bogus"] = true;
        await File.WriteAllTextAsync(configPath, withBeta.ToJson());
        await RefusedAsync(gateway, "$.mcpServers.alpha.bogus");
        await StillServingTheOldConfigurationAsync(client, before.Pid);
        toolsChanged.Count.ShouldBe(0);

        withBeta["alpha"].Remove("bogus");
        await File.WriteAllTextAsync(configPath, withBeta.ToJson());

        await toolsChanged.AtLeastAsync(1, "tools/list_changed after the good edit");
        (await HotReloadTests.WhoAmIAsync(client, "beta")).Name.ShouldBe("beta");
        (await HotReloadTests.WhoAmIAsync(client, "alpha")).Pid.ShouldBe(before.Pid);
    }

    private static Task RefusedAsync(GatewayProcess gateway, string errorPath) =>
        gateway.WaitForOutputAsync(
            line => line.Contains("Configuration change ignored", StringComparison.Ordinal) && line.Contains(errorPath + ":", StringComparison.Ordinal),
            $"the gateway to log that it ignored the broken edit at {errorPath}");

    private static async Task StillServingTheOldConfigurationAsync(McpClient client, int alphaPid)
    {
        (await HotReloadTests.ToolNamesAsync(client)).ShouldNotContain(n => n.StartsWith("beta_1mcp_", StringComparison.Ordinal));
        (await HotReloadTests.WhoAmIAsync(client, "alpha")).Pid.ShouldBe(alphaPid);
    }
}

/// <summary>What mcp.json asks for that the gateway does not do is said in the log, at start and on every reload.</summary>
public sealed class ConfigWarningTests
{
    [Fact]
    public async Task Warnings_OfTheFile_AreLoggedAtStartAndOnReload()
    {
        // Before, they were counted in a debug line and never shown: a backend that relied on 1MCP's
        // inheritParentEnv failed without a word about why.
        using var directory = new TestDirectory();
        var config = new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha"));
        config["alpha"]["inheritParentEnv"] = true;
        var configPath = directory.WriteConfig(config);
        await using var gateway = GatewayProcess.Start(["serve", "--config", configPath, "--port", "0"], directory.Path);
        await gateway.WaitForListeningAsync();
        await gateway.WaitForOutputAsync(
            line => line.Contains("$.mcpServers.alpha.inheritParentEnv:", StringComparison.Ordinal), "the start to log the ignored inheritParentEnv");

        config["alpha"]["envFilter"] = new System.Text.Json.Nodes.JsonArray("HOME");
        await File.WriteAllTextAsync(configPath, config.ToJson());

        await gateway.WaitForOutputAsync(
            line => line.Contains("$.mcpServers.alpha.envFilter:", StringComparison.Ordinal), "the reload to log the ignored envFilter");
    }
}

/// <summary>An edit saved between the settings' check of mcp.json and the start of its watcher.</summary>
public sealed class EditDuringStartTests
{
    [Fact]
    public async Task AnEditSavedWhileTheGatewayStarts_IsWhatItRuns()
    {
        // The settings read the file first (alpha); the file then changes (alpha and beta) before the host starts.
        // Before, the gateway started what the settings had read, and the watcher, started later, never saw the edit.
        var withBeta = new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")).Add("beta", ConfigBuilder.StdioTestServer("beta"));
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha")),
            adjust: options =>
            {
                File.WriteAllText(options.ConfigPath!, withBeta.ToJson());
                return options;
            });
        await using var client = await gateway.ConnectAsync();

        (await HotReloadTests.ToolNamesAsync(client)).ShouldContain(name => name.StartsWith("beta_1mcp_", StringComparison.Ordinal));
    }
}
