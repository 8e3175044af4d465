using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// Calls, reads and prompts to a streamable HTTP backend in a session are sent without the SDK client's pipeline
/// (ADR 0039). What the backend sends on such a call's stream besides the answer (its questions, log messages) still
/// reaches the calling session and is answered; a cancelled call is cancelled on the backend; a stream the backend
/// closes before the answer is resumed; a JSON-RPC error reaches the client as the SDK client would have passed it
/// on (the same test server over stdio, which the SDK client serves, is the reference).
/// </summary>
public sealed class DirectBackendCallsTests : IAsyncLifetime
{
    private HttpTestServer _web = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _web = await HttpTestServer.StartAsync("web", extraArgs: ["--resumable"]);
        _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("web", ConfigBuilder.HttpServer(_web.McpUrl))
            .Add("pipe", ConfigBuilder.StdioTestServer("pipe")));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _web.DisposeAsync();
    }

    [Fact]
    public async Task ACall_ReachesTheHttpBackendWithTheGatewaysOwnRequestId()
    {
        var client = await _gateway.ConnectAsync();

        // The SDK client numbers its requests; a direct call names its own.
        var id = AggregationTests.Text(await client.CallToolAsync("web_1mcp_request_id"));

        id.ShouldStartWith("onemcp-");
    }

    [Fact]
    public async Task ReadsAndPrompts_AreAnswered()
    {
        var client = await _gateway.ConnectAsync();

        var info = await client.ReadResourceAsync("web_1mcp_test://static/info");
        info.Contents.OfType<TextResourceContents>().Single().Text.ShouldBe("info from web");
        var item = await client.ReadResourceAsync("web_1mcp_test://items/42");
        item.Contents.OfType<TextResourceContents>().Single().Text.ShouldBe("item 42 from web");
        var prompt = await client.GetPromptAsync("web_1mcp_greeting", new Dictionary<string, object?> { ["name"] = "Ada" });
        prompt.Messages.Single().Content.ShouldBeOfType<TextContentBlock>().Text.ShouldBe("Hello, Ada! (from web)");
    }

    [Fact]
    public async Task ABackendsJsonRpcError_ReachesTheClientAsTheSdkClientPassesItOn()
    {
        var client = await _gateway.ConnectAsync();

        var viaHttp = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("web_1mcp_throw").AsTask());
        var viaStdio = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("pipe_1mcp_throw").AsTask());

        viaHttp.ErrorCode.ShouldBe(viaStdio.ErrorCode);
        viaHttp.Message.ShouldBe(viaStdio.Message);
        viaHttp.Message.ShouldContain("intentional protocol error");
    }

    [Fact]
    public async Task ProgressOfACall_ReachesTheCallerInOrder_BeforeTheAnswer()
    {
        using var session = await RawMcpSession.OpenAsync(_gateway.Url("/mcp"));

        // Steps back to back, a few calls: a progress notification routed later than it was read would trail the answer.
        for (var call = 1; call <= 3; call++)
        {
            var token = $"token-{call}";
            var stream = await session.RequestAsync("tools/call", new JsonObject
            {
                ["name"] = "web_1mcp_progress",
                ["arguments"] = new JsonObject { ["steps"] = 30, ["delayMs"] = 0 },
                ["_meta"] = new JsonObject { ["progressToken"] = token },
            });

            stream.Where(m => (string?)m["method"] == NotificationMethods.ProgressNotification)
                .Select(m => ((string)m["params"]!["progressToken"]!, (int)m["params"]!["progress"]!))
                .ShouldBe(Enumerable.Range(1, 30).Select(step => (token, step)));
            stream[^1]["result"].ShouldNotBeNull("the answer comes after every progress notification");
        }
    }

    [Fact]
    public async Task SamplingAskedDuringACall_IsAnsweredByTheCallingSession()
    {
        var client = await _gateway.ConnectAsync(handlers: new McpClientHandlers
        {
            SamplingHandler = (_, _, _) => ValueTask.FromResult(new CreateMessageResult
            {
                Role = Role.Assistant,
                Model = "test-model",
                Content = [new TextContentBlock { Text = "from the caller" }],
            }),
        });

        var result = await client.CallToolAsync("web_1mcp_sample", AggregationTests.Args(("prompt", "hello")));

        AggregationTests.Text(result).ShouldBe("sampled: from the caller");
    }

    [Fact]
    public async Task ElicitationAndRootsAskedDuringACall_AreAnsweredByTheCallingSession()
    {
        var client = await _gateway.ConnectAsync(handlers: new McpClientHandlers
        {
            ElicitationHandler = (_, _) => ValueTask.FromResult(new ElicitResult
            {
                Action = "accept",
                Content = new Dictionary<string, JsonElement> { ["answer"] = JsonSerializer.SerializeToElement("yes") },
            }),
            RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult { Roots = [new Root { Uri = "file:///work/project" }] }),
        });

        AggregationTests.Text(await client.CallToolAsync("web_1mcp_elicit", AggregationTests.Args(("message", "ok?")))).ShouldBe("elicited: accept yes");
        AggregationTests.Text(await client.CallToolAsync("web_1mcp_list_roots")).ShouldBe("file:///work/project");
    }

    [Fact]
    public async Task ALogMessageSentDuringACall_ReachesTheSession()
    {
        var log = new NotificationLog();
        var client = await _gateway.ConnectAsync(handlers: new McpClientHandlers
        {
            NotificationHandlers = [new(NotificationMethods.LoggingMessageNotification, log.Record)],
        });
        await client.SetLoggingLevelAsync(LoggingLevel.Debug);

        await client.CallToolAsync("web_1mcp_log", AggregationTests.Args(("level", "info"), ("message", "during the call")));

        await log.AtLeastAsync(1, "the backend's log line");
        log.Received.Select(p => p!["data"]!.ToString()).ShouldContain("during the call");
    }

    [Fact]
    public async Task ACancelledCall_IsCancelledOnTheBackend()
    {
        var client = await _gateway.ConnectAsync();
        var before = await CountAsync(client, "web_1mcp_cancellations");
        var started = await CountAsync(client, "web_1mcp_slow_started");
        using var cancel = new CancellationTokenSource();

        var slow = client.CallToolAsync("web_1mcp_slow", AggregationTests.Args(("ms", 60_000)), cancellationToken: cancel.Token).AsTask();
        await Eventually.ValueAsync(() => CountAsync(client, "web_1mcp_slow_started"), count => count == started + 1, "the backend to start the slow call");
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => slow);

        await Eventually.ValueAsync(() => CountAsync(client, "web_1mcp_cancellations"), count => count == before + 1, "the backend to count the cancelled call");
    }

    [Fact]
    public async Task ACallWhoseStreamTheBackendClosesBeforeTheAnswer_IsResumedAndAnswered()
    {
        var client = await _gateway.ConnectAsync();

        var result = await client.CallToolAsync("web_1mcp_poll", AggregationTests.Args(("retryMs", 100), ("waitMs", 300)));

        AggregationTests.Text(result).ShouldBe("answered on the resumed stream");
    }

    [Fact]
    public async Task ACall_AfterTheBackendForgotTheSession_IsAnsweredOnAFreshOne()
    {
        var client = await _gateway.ConnectAsync();
        AggregationTests.Text(await client.CallToolAsync("web_1mcp_echo", AggregationTests.Args(("message", "before")))).ShouldBe("before");

        await _web.RestartAsync();

        // The backend refuses the old session (404): nothing ran, the session is renewed and the call sent once more.
        AggregationTests.Text(await client.CallToolAsync("web_1mcp_echo", AggregationTests.Args(("message", "after")))).ShouldBe("after");
        AggregationTests.Text(await client.CallToolAsync("web_1mcp_request_id")).ShouldStartWith("onemcp-");
    }

    [Fact]
    public async Task CallsInFlight_WhenTheBackendForgotTheSession_AreAllAnsweredOnAFreshOne()
    {
        var client = await _gateway.ConnectAsync();
        AggregationTests.Text(await client.CallToolAsync("web_1mcp_echo", AggregationTests.Args(("message", "before")))).ShouldBe("before");

        await _web.RestartAsync();

        // Each is refused with the old session (404), so none ran; the first refusal ends the SDK client's session while
        // the others are still on their way through it, and each is sent once more on the fresh session.
        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
            AggregationTests.Text(await client.CallToolAsync("web_1mcp_echo", AggregationTests.Args(("message", $"after {i}"))))));
        answers.ShouldBe(Enumerable.Range(0, 16).Select(i => $"after {i}"));
    }

    private static async Task<int> CountAsync(McpClient client, string tool) =>
        int.Parse(AggregationTests.Text(await client.CallToolAsync(tool)), CultureInfo.InvariantCulture);
}
