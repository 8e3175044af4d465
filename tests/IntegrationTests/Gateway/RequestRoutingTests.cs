using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// One backend connection is shared by every session; these tests prove that what belongs to one
/// request (its progress, its cancellation, the backend's questions about it) stays with that request.
/// </summary>
public sealed class RequestRoutingTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"])));
    }

    public Task DisposeAsync() => _gateway.DisposeAsync().AsTask();

    [Fact]
    public async Task Progress_WhenTwoSessionsCallAtOnce_ReachesOnlyTheCallingSessionInOrder()
    {
        using var a = await RawMcpSession.OpenAsync(_gateway.Url("/mcp"));
        using var b = await RawMcpSession.OpenAsync(_gateway.Url("/mcp"));

        var callA = a.RequestAsync("tools/call", ProgressCall(steps: 3, token: "token-a"));
        var callB = b.RequestAsync("tools/call", ProgressCall(steps: 5, token: "token-b"));
        var streamA = await callA;
        var streamB = await callB;

        // Every notification on a session's stream is its own, each step arrives once, in order, and before the result:
        // the gateway routes a backend's progress as it reads it, ahead of the result that follows.
        var progressA = ProgressOf(streamA);
        var progressB = ProgressOf(streamB);
        progressA.ShouldBe([("token-a", 1), ("token-a", 2), ("token-a", 3)]);
        progressB.ShouldBe([("token-b", 1), ("token-b", 2), ("token-b", 3), ("token-b", 4), ("token-b", 5)]);
        streamA[^1]["result"].ShouldNotBeNull("the result comes after every progress notification");
        streamB[^1]["result"].ShouldNotBeNull();
    }

    [Fact]
    public async Task CancelledCall_IsCancelledOnTheBackend()
    {
        var client = await _gateway.ConnectAsync();
        var before = int.Parse(AggregationTests.Text(await client.CallToolAsync("beta_1mcp_cancellations")), System.Globalization.CultureInfo.InvariantCulture);
        var started = int.Parse(AggregationTests.Text(await client.CallToolAsync("beta_1mcp_slow_started")), System.Globalization.CultureInfo.InvariantCulture);
        using var cancel = new CancellationTokenSource();

        var slow = client.CallToolAsync("beta_1mcp_slow", AggregationTests.Args(("ms", 60_000)), cancellationToken: cancel.Token).AsTask();
        await Eventually.ValueAsync(
            async () => int.Parse(AggregationTests.Text(await client.CallToolAsync("beta_1mcp_slow_started")), System.Globalization.CultureInfo.InvariantCulture),
            count => count == started + 1,
            "the backend to start the slow call");
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => slow);

        await Eventually.ValueAsync(
            async () => int.Parse(AggregationTests.Text(await client.CallToolAsync("beta_1mcp_cancellations")), System.Globalization.CultureInfo.InvariantCulture),
            count => count == before + 1,
            "the backend to count the cancelled call");
    }

    [Fact]
    public async Task Sampling_FromABackend_ReachesTheSessionWhoseCallCausedIt()
    {
        var sampledByA = 0;
        var sampledByB = 0;
        var a = await _gateway.ConnectAsync(handlers: new McpClientHandlers
        {
            SamplingHandler = (request, _, _) =>
            {
                Interlocked.Increment(ref sampledByA);
                return ValueTask.FromResult(Answer("from A"));
            },
        });
        var b = await _gateway.ConnectAsync(handlers: new McpClientHandlers
        {
            SamplingHandler = (request, _, _) =>
            {
                Interlocked.Increment(ref sampledByB);
                return ValueTask.FromResult(Answer("from B"));
            },
        });

        var resultB = await b.CallToolAsync("alpha_1mcp_sample", AggregationTests.Args(("prompt", "hello")));
        var resultA = await a.CallToolAsync("alpha_1mcp_sample", AggregationTests.Args(("prompt", "hello")));

        AggregationTests.Text(resultB).ShouldBe("sampled: from B");
        AggregationTests.Text(resultA).ShouldBe("sampled: from A");
        sampledByA.ShouldBe(1);
        sampledByB.ShouldBe(1);
    }

    [Fact]
    public async Task Elicitation_AndRoots_AreAnsweredByTheCallingSession()
    {
        var client = await _gateway.ConnectAsync(handlers: new McpClientHandlers
        {
            ElicitationHandler = (_, _) => ValueTask.FromResult(new ElicitResult
            {
                Action = "accept",
                Content = new Dictionary<string, System.Text.Json.JsonElement> { ["answer"] = System.Text.Json.JsonSerializer.SerializeToElement("yes") },
            }),
            RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult { Roots = [new Root { Uri = "file:///work/project" }] }),
        });

        AggregationTests.Text(await client.CallToolAsync("beta_1mcp_elicit", AggregationTests.Args(("message", "ok?")))).ShouldBe("elicited: accept yes");
        AggregationTests.Text(await client.CallToolAsync("beta_1mcp_list_roots")).ShouldBe("file:///work/project");
    }

    [Fact]
    public async Task Sampling_WhenTheClientCannotSample_FailsCleanly()
    {
        var client = await _gateway.ConnectAsync();

        var outcome = await Record(() => client.CallToolAsync("alpha_1mcp_sample", AggregationTests.Args(("prompt", "hello"))).AsTask());

        // The backend's own request failed; it reports that as an error, and the gateway keeps serving.
        outcome.ShouldNotBeNull();
        AggregationTests.Text(await client.CallToolAsync("alpha_1mcp_echo", AggregationTests.Args(("message", "still here")))).ShouldBe("still here");
    }

    [Fact]
    public async Task LogMessages_ReachOnlySessionsThatAskedForThatLevel()
    {
        var logOfA = new NotificationLog();
        var logOfB = new NotificationLog();
        var a = await _gateway.ConnectAsync(handlers: Handlers(NotificationMethods.LoggingMessageNotification, logOfA));
        var b = await _gateway.ConnectAsync(handlers: Handlers(NotificationMethods.LoggingMessageNotification, logOfB));
        await a.SetLoggingLevelAsync(LoggingLevel.Debug);
        await b.SetLoggingLevelAsync(LoggingLevel.Error);

        await a.CallToolAsync("alpha_1mcp_log", AggregationTests.Args(("level", "info"), ("message", "info line")));
        await a.CallToolAsync("alpha_1mcp_log", AggregationTests.Args(("level", "error"), ("message", "error line")));

        await logOfA.AtLeastAsync(2, "both log lines at session A");
        await logOfB.AtLeastAsync(1, "the error line at session B");
        logOfB.Received.Select(p => p!["data"]!.ToString()).ShouldBe(["error line"]);
        logOfA.Received.ShouldAllBe(p => p!["logger"]!.ToString().StartsWith("alpha", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResourceUpdates_ReachOnlySubscribedSessions()
    {
        var updatesOfA = new NotificationLog();
        var updatesOfB = new NotificationLog();
        var a = await _gateway.ConnectAsync(handlers: Handlers(NotificationMethods.ResourceUpdatedNotification, updatesOfA));
        var b = await _gateway.ConnectAsync(handlers: Handlers(NotificationMethods.ResourceUpdatedNotification, updatesOfB));

        await a.SubscribeToResourceAsync("beta_1mcp_test://static/info");
        await b.CallToolAsync("beta_1mcp_touch_resource", AggregationTests.Args(("uri", "test://static/info")));

        await updatesOfA.AtLeastAsync(1, "the update at the subscribed session");
        updatesOfA.Received[0]!["uri"]!.ToString().ShouldBe("beta_1mcp_test://static/info");
        updatesOfB.Count.ShouldBe(0);

        await a.UnsubscribeFromResourceAsync("beta_1mcp_test://static/info");
        await Should.ThrowAsync<McpProtocolException>(() => a.SubscribeToResourceAsync("nosuch_1mcp_test://x"));
    }

    [Fact]
    public async Task ListChanged_FromABackend_ReachesEverySessionThatCanSeeItAndNoOther()
    {
        var changesOfWeb = new NotificationLog();
        var changesOfAll = new NotificationLog();
        var changesOfDb = new NotificationLog();
        var web = await _gateway.ConnectAsync("?tags=web", Handlers(NotificationMethods.ToolListChangedNotification, changesOfWeb));
        var all = await _gateway.ConnectAsync(handlers: Handlers(NotificationMethods.ToolListChangedNotification, changesOfAll));
        var db = await _gateway.ConnectAsync("?tags=db", Handlers(NotificationMethods.ToolListChangedNotification, changesOfDb));

        await web.CallToolAsync("alpha_1mcp_add_tool", AggregationTests.Args(("name", "fresh")));

        await changesOfWeb.AtLeastAsync(1, "list_changed at the session that sees alpha");
        await changesOfAll.AtLeastAsync(1, "list_changed at the unfiltered session");
        (await Eventually.ValueAsync(() => web.ListToolsAsync().AsTask(), tools => tools.Any(t => t.Name == "alpha_1mcp_fresh"), "the new tool"))
            .ShouldContain(t => t.Name == "alpha_1mcp_fresh");
        AggregationTests.Text(await all.CallToolAsync("alpha_1mcp_fresh", AggregationTests.Args(("message", "new")))).ShouldBe("new");
        (await db.ListToolsAsync()).ShouldNotContain(t => t.Name == "alpha_1mcp_fresh");
        changesOfDb.Count.ShouldBe(0);
    }

    private static JsonObject ProgressCall(int steps, string token) => new()
    {
        ["name"] = "alpha_1mcp_progress",
        ["arguments"] = new JsonObject { ["steps"] = steps, ["delayMs"] = 20 },
        ["_meta"] = new JsonObject { ["progressToken"] = token },
    };

    private static List<(string Token, int Progress)> ProgressOf(IReadOnlyList<JsonObject> stream) =>
        [.. stream
            .Where(m => (string?)m["method"] == NotificationMethods.ProgressNotification)
            .Select(m => ((string)m["params"]!["progressToken"]!, (int)m["params"]!["progress"]!))];

    private static CreateMessageResult Answer(string text) => new()
    {
        Role = Role.Assistant,
        Model = "test-model",
        Content = [new TextContentBlock { Text = text }],
    };

    private static McpClientHandlers Handlers(string method, NotificationLog log) => new()
    {
        NotificationHandlers = [new(method, log.Record)],
    };

    private static async Task<object?> Record(Func<Task<CallToolResult>> call)
    {
        try
        {
            return await call();
        }
        catch (McpProtocolException e)
        {
            return e;
        }
    }
}
