using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Gateway;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Under scope validation a token scoped to one tag reaches nothing of a backend outside its grant on any
/// surface (resources, prompts, completions, subscriptions, notifications), and follows live tag changes; what is not
/// about a session's stream runs for 2026-07-28 requests too.
/// </summary>
public sealed class ScopeSurfaceTests : IAsyncLifetime
{
    private const string User = "ada";
    private const string Password = "correct horse battery staple";
    private const string RedirectUri = "http://127.0.0.1:46002/cb";

    private readonly ConfigBuilder _config = new ConfigBuilder()
        .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
        .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"]));

    private readonly List<McpClient> _clients = [];
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartWithAuthAsync(_config, adjust: o => o with { EnableScopeValidation = true });
        await _gateway.AddUserAsync(User, Password, "admin");
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await _gateway.DisposeAsync();
    }

    [Theory]
    [InlineData(ProtocolEras.Legacy)]
    [InlineData(ProtocolEras.Stateless)]
    public async Task WebToken_ReachesNothingOfTheDbBackend(string era)
    {
        var web = await ConnectAsync("web", era: era);

        (await SurfaceReach.OfAsync(web, ["alpha", "beta"])).ShouldReachEverywhere("alpha");
        if (era == ProtocolEras.Legacy)
        {
            // resources/subscribe is a session's request; 2026-07-28 subscribes with subscriptions/listen instead.
            await Should.ThrowAsync<McpProtocolException>(() => web.SubscribeToResourceAsync("beta_1mcp_test://static/info"));
        }
    }

    // Notifications are session-only by nature (this test and the list_changed of the next): they reach a session's
    // stream; a 2026-07-28 client hears of list changes through subscriptions/listen, which /mcp does not serve yet.
    [Fact]
    public async Task WebToken_ReceivesNoNotificationAboutTheDbBackend()
    {
        var changes = new NotificationLog();
        var logs = new NotificationLog();
        var web = await ConnectAsync("web", new McpClientHandlers
        {
            NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, changes.Record), new(NotificationMethods.LoggingMessageNotification, logs.Record)],
        });
        await web.SetLoggingLevelAsync(LoggingLevel.Debug);
        var dbChanges = new NotificationLog();
        var db = await ConnectAsync("db", new McpClientHandlers { NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, dbChanges.Record)] });

        await db.CallToolAsync("beta_1mcp_add_tool", AggregationTests.Args(("name", "fresh")));
        await db.CallToolAsync("beta_1mcp_log", AggregationTests.Args(("level", "error"), ("message", "db secret line")));
        await web.CallToolAsync("alpha_1mcp_add_tool", AggregationTests.Args(("name", "visible")));

        // The db session hears of the beta change: the gateway has told every session that may see beta.
        // The alpha change reaches the web session, so its stream delivers.
        await dbChanges.AtLeastAsync(1, "list_changed about beta on the db session");
        await changes.AtLeastAsync(1, "list_changed about alpha");
        changes.Count.ShouldBe(1, "one list_changed, about alpha; none about beta");
        (await web.ListToolsAsync()).ShouldNotContain(t => t.Name == "beta_1mcp_fresh");
        logs.Received.ShouldNotContain(l => l!.ToJsonString().Contains("db secret line", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TagAddedToABackend_ReachesTheOpenSessionWithListChanged()
    {
        var changes = new NotificationLog();
        var web = await ConnectAsync("web", new McpClientHandlers { NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, changes.Record)] });
        (await web.ListToolsAsync()).ShouldNotContain(t => t.Name == "beta_1mcp_echo");
        var modern = await ConnectAsync("web", era: ProtocolEras.Stateless);
        (await SurfaceReach.OfAsync(modern, ["alpha", "beta"])).ShouldReachEverywhere("alpha");

        _config["beta"]["tags"] = new JsonArray("db", "web");
        await _gateway.WriteConfigAsync(_config);

        await changes.AtLeastAsync(1, "list_changed after beta gained the web tag");
        (await Eventually.ValueAsync(() => web.ListToolsAsync().AsTask(), tools => tools.Any(t => t.Name == "beta_1mcp_echo"), "beta's tools"))
            .ShouldContain(t => t.Name == "beta_1mcp_echo");
        AggregationTests.Text(await web.CallToolAsync("beta_1mcp_echo", AggregationTests.Args(("message", "now")))).ShouldBe("now");

        // The session has seen the change, so the catalog has it: the next 2026-07-28 request reaches beta everywhere.
        (await SurfaceReach.OfAsync(modern, ["alpha", "beta"])).ShouldReachEverywhere("alpha,beta");
    }

    [Theory]
    [InlineData(ProtocolEras.Legacy)]
    [InlineData(ProtocolEras.Stateless)]
    public async Task TagRemovedFromABackend_RefusesTheNextCall(string era)
    {
        var web = await ConnectAsync("web", era: era);
        AggregationTests.Text(await web.CallToolAsync("alpha_1mcp_echo", AggregationTests.Args(("message", "before")))).ShouldBe("before");

        _config["alpha"]["tags"] = new JsonArray("other");
        await _gateway.WriteConfigAsync(_config);

        await Eventually.ValueAsync(() => web.ListToolsAsync().AsTask(), tools => tools.All(t => t.Name != "alpha_1mcp_echo"), "alpha out of reach");
        await Should.ThrowAsync<McpProtocolException>(() => web.CallToolAsync("alpha_1mcp_echo", AggregationTests.Args(("message", "after"))).AsTask());
    }

    private async Task<McpClient> ConnectAsync(string tag, McpClientHandlers? handlers = null, string era = ProtocolEras.Legacy)
    {
        var driver = new OAuthFlowDriver(_gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, ["tag:" + tag], pkce, User, Password)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        var mcp = await EraClient.ConnectAsync(_gateway, era, tokens.AccessToken!, handlers: handlers);
        _clients.Add(mcp);
        return mcp;
    }
}
