using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>Backends crash, start late or restart; the gateway and its clients carry on.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task StdioBackend_ThatCrashesMidSession_IsRestartedAndComesBackToTheClient()
    {
        var flaky = ConfigBuilder.StdioTestServer("flaky", ["web"]);
        flaky["restartOnExit"] = true;
        flaky["restartDelay"] = 100;
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("flaky", flaky)
            .Add("steady", ConfigBuilder.StdioTestServer("steady", ["web"])));
        var toolListChanges = new NotificationLog();
        var client = await gateway.ConnectAsync(handlers: new McpClientHandlers
        {
            NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, toolListChanges.Record)],
        });
        var pidBefore = await PidAsync(client, "flaky");

        AggregationTests.Text(await client.CallToolAsync("flaky_1mcp_crash")).ShouldBe("crashing");

        var pidAfter = await Eventually.ValueAsync(() => PidAsync(client, "flaky"), pid => pid != pidBefore, "the crashed backend to be restarted");
        pidAfter.ShouldNotBe(pidBefore);
        gateway.Backend("flaky").State.Restarts.ShouldBe(1);
        await toolListChanges.AtLeastAsync(2, "list_changed when the backend went away and when it came back");
        AggregationTests.Text(await client.CallToolAsync("steady_1mcp_echo", AggregationTests.Args(("message", "unaffected")))).ShouldBe("unaffected");
    }

    [Fact]
    public async Task ACallInFlight_WhenItsBackendDies_IsAnsweredWithTheDisconnection()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("dying", ConfigBuilder.StdioTestServer("dying")));
        var client = await gateway.ConnectAsync();
        var slow = client.CallToolAsync("dying_1mcp_slow", AggregationTests.Args(("ms", 30_000))).AsTask();
        await Eventually.ValueAsync(async () => AggregationTests.Text(await client.CallToolAsync("dying_1mcp_slow_started")), n => n == "1", "the slow call to start");

        await client.CallToolAsync("dying_1mcp_crash");

        // Whether it ran is unknown, so it is not sent again; the client learns which backend went away, and when.
        var error = await Should.ThrowAsync<McpProtocolException>(slow);
        error.Message.ShouldContain("Server 'dying' disconnected while handling tools/call.");
    }

    [Fact]
    public async Task StdioBackend_ThatKeepsCrashing_IsReportedAsCrashLoop()
    {
        var doomed = ConfigBuilder.StdioTestServer("doomed");
        doomed["restartOnExit"] = true;
        doomed["maxRestarts"] = 1;
        doomed["restartDelay"] = 50;
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("doomed", doomed));
        var client = await gateway.ConnectAsync();

        await client.CallToolAsync("doomed_1mcp_crash");
        await Eventually.TrueAsync(() => gateway.Backend("doomed").State.Status == BackendStatus.Connected && gateway.Backend("doomed").State.Restarts == 1, "the first restart");
        await client.CallToolAsync("doomed_1mcp_crash");

        await Eventually.TrueAsync(() => gateway.Backend("doomed").State.Status == BackendStatus.CrashLoop, "the crash loop to be detected");
        gateway.Backend("doomed").State.LastError.ShouldNotBeNull().ShouldContain("restarts stopped");
        using var http = new HttpClient();
        var ready = await http.GetAsync(gateway.Url("/health/ready"));
        ((int)ready.StatusCode).ShouldBe(503);
    }

    [Fact]
    public async Task StdioBackend_WithoutRestartOnExit_StaysDownWithItsReason()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("once", ConfigBuilder.StdioTestServer("once")));
        var client = await gateway.ConnectAsync();

        await client.CallToolAsync("once_1mcp_crash");

        await Eventually.TrueAsync(() => gateway.Backend("once").State.Status == BackendStatus.Error, "the backend to be reported down");
        gateway.Backend("once").State.LastError.ShouldNotBeNull().ShouldContain("exit code 1");
        var error = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("once_1mcp_echo", AggregationTests.Args(("message", "x"))).AsTask());
        error.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
    }

    [Fact]
    public async Task BackendsDownAtStart_DoNotStopTheOthers()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("broken", ConfigBuilder.StdioTestServer("broken", null, "--fail-start"))
            .Add("unreachable", ConfigBuilder.HttpServer("http://127.0.0.1:9/mcp"))
            .Add("fine", ConfigBuilder.StdioTestServer("fine")));
        var client = await gateway.ConnectAsync();

        var tools = await client.ListToolsAsync();

        tools.ShouldAllBe(t => t.Name.StartsWith("fine_1mcp_", StringComparison.Ordinal));
        tools.ShouldNotBeEmpty();
        gateway.Backend("broken").State.Status.ShouldBe(BackendStatus.Error);
        gateway.Backend("unreachable").State.Status.ShouldBe(BackendStatus.Error);
        gateway.Backend("unreachable").State.LastError.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task StdioBackend_WhoseCommandDoesNotExist_SaysWhyInHealthAndTheBackendView()
    {
        // Before: "Failed to connect transport." everywhere, the cause only in the gateway's log.
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("missing", new JsonObject { ["command"] = "onemcp-no-such-command", ["env"] = new JsonObject { ["API_KEY"] = "sk-secret-value" } })
            .Add("fine", ConfigBuilder.StdioTestServer("fine")));
        using var rest = new RestClient(gateway);

        var view = await rest.GetAsync("/api/backends/missing");
        var health = await rest.GetAsync("/health");

        const string Why = "Could not start the command 'onemcp-no-such-command': not found.";
        view.Json!["runtime"]!["status"]!.GetValue<string>().ShouldBe("error");
        view.Json["runtime"]!["lastError"]!.GetValue<string>().ShouldBe(Why);
        health.Json!["backends"]!.AsArray().Single(b => b!["name"]!.GetValue<string>() == "missing")!["error"]!.GetValue<string>().ShouldBe(Why);
        view.Text.ShouldNotContain("sk-secret-value");
    }

    [Fact]
    public async Task HttpBackend_ThatLostItsSession_IsReconnectedWithAFreshOne()
    {
        await using var backend = await HttpTestServer.StartAsync("remote");
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("remote", ConfigBuilder.HttpServer(backend.McpUrl)));
        var client = await gateway.ConnectAsync();
        var pidBefore = await PidAsync(client, "remote");

        await backend.RestartAsync();

        var pidAfter = await Eventually.ValueAsync(() => PidAsync(client, "remote"), pid => pid != pidBefore, "the gateway to reconnect to the restarted backend");
        pidAfter.ShouldNotBe(pidBefore);
        gateway.Backend("remote").State.Status.ShouldBe(BackendStatus.Connected);
    }

    [Fact]
    public async Task HttpBackend_ThatKeepsLosingItsSessions_IsReconnectedAtOnceThenEverMoreSlowly()
    {
        await using var backend = await HttpTestServer.StartAsync("forgetful");
        await using var proxy = await SessionDroppingProxy.StartAsync(backend.McpUrl);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await GatewayUnderTest.StartAsync(
            new ConfigBuilder().Add("forgetful", ConfigBuilder.HttpServer(proxy.McpUrl)),
            configureBuilder: builder => builder.Services.AddSingleton<TimeProvider>(time));
        await ConnectedAsync(gateway, proxy, sessions: 1);

        // A backend that restarted forgets one session: a fresh one is opened at once.
        await proxy.DropNextSessionAsync();
        await ConnectedAsync(gateway, proxy, sessions: 2);

        // One that loses every session soon after it is opened is not reconnected in a loop: it waits, a second, then two.
        await proxy.DropNextSessionAsync();
        await WaitingAsync(gateway, "lost 2 times in a row, each soon after it was opened; reconnecting in 1 s");
        proxy.Initializes.ShouldBe(2);
        time.Advance(TimeSpan.FromSeconds(1));
        await ConnectedAsync(gateway, proxy, sessions: 3);
        await proxy.DropNextSessionAsync();
        await WaitingAsync(gateway, "reconnecting in 2 s");
        proxy.Initializes.ShouldBe(3);
        time.Advance(TimeSpan.FromSeconds(2));
        await ConnectedAsync(gateway, proxy, sessions: 4);
    }

    private static Task ConnectedAsync(GatewayUnderTest gateway, SessionDroppingProxy proxy, int sessions) =>
        Eventually.TrueAsync(
            () => gateway.Backend("forgetful").State.Status == BackendStatus.Connected && proxy.Initializes == sessions,
            $"the backend to be connected in session {sessions}");

    private static Task WaitingAsync(GatewayUnderTest gateway, string reason) =>
        Eventually.TrueAsync(
            () => gateway.Backend("forgetful").State is { Status: BackendStatus.Connecting, LastError: { } error } && error.Contains(reason, StringComparison.Ordinal),
            $"the backend to wait before reconnecting ({reason})");

    [Fact]
    public async Task SseBackend_IsAggregatedLikeAnyOther()
    {
        await using var backend = await HttpTestServer.StartAsync("legacy");
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("legacy", ConfigBuilder.HttpServer(backend.SseUrl, type: "sse")));
        var client = await gateway.ConnectAsync();

        var result = await client.CallToolAsync("legacy_1mcp_echo", AggregationTests.Args(("message", "over sse")));

        AggregationTests.Text(result).ShouldBe("over sse");
    }

    private static async Task<int> PidAsync(McpClient client, string server)
    {
        var result = await client.CallToolAsync($"{server}_1mcp_whoami");
        return JsonDocument.Parse(AggregationTests.Text(result)).RootElement.GetProperty("pid").GetInt32();
    }
}
