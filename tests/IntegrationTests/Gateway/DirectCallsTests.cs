using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// Calls, reads and prompts in a session go to a streamable HTTP backend (<c>web</c>, ADR 0039) and to a stdio backend
/// (<c>pipe</c>, ADR 0044) without the SDK client's pipeline: written from their typed parameters under the gateway's own
/// id, their answers read from the bytes. Each behaviour is checked on both: what the backend sends meanwhile (progress,
/// questions, log messages) reaches the calling session and is answered; a cancelled call is cancelled on the backend;
/// many calls at once each get their own answer; a JSON-RPC error reaches the client as the SDK client passes it on
/// (the same test server over legacy SSE, which the SDK client still serves, is the reference). Then what only one
/// transport has: an HTTP call's stream resumed, an HTTP session the backend forgot, and a stdio server's noisy lines.
/// </summary>
public sealed class DirectCallsTests : IAsyncLifetime
{
    private HttpTestServer _web = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _web = await HttpTestServer.StartAsync("web", extraArgs: ["--resumable"]);
        _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("web", ConfigBuilder.HttpServer(_web.McpUrl))
            .Add("pipe", ConfigBuilder.StdioTestServer("pipe", extraArgs: ["--report-request-ids"]))
            .Add("legacy", ConfigBuilder.HttpServer(_web.SseUrl, type: "sse")));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _web.DisposeAsync();
    }

    [Theory]
    [InlineData("web")]
    [InlineData("pipe")]
    public async Task ACall_ReachesTheBackendWithTheGatewaysOwnRequestId(string backend)
    {
        var client = await _gateway.ConnectAsync();

        // The SDK client numbers its requests; a direct call names its own.
        var id = AggregationTests.Text(await client.CallToolAsync($"{backend}_1mcp_request_id"));

        id.ShouldStartWith("onemcp-");
    }

    [Theory]
    [InlineData("web")]
    [InlineData("pipe")]
    public async Task ReadsAndPrompts_AreAnswered(string backend)
    {
        var client = await _gateway.ConnectAsync();

        var info = await client.ReadResourceAsync($"{backend}_1mcp_test://static/info");
        info.Contents.OfType<TextResourceContents>().Single().Text.ShouldBe($"info from {backend}");
        var item = await client.ReadResourceAsync($"{backend}_1mcp_test://items/42");
        item.Contents.OfType<TextResourceContents>().Single().Text.ShouldBe($"item 42 from {backend}");
        var prompt = await client.GetPromptAsync($"{backend}_1mcp_greeting", new Dictionary<string, object?> { ["name"] = "Ada" });
        prompt.Messages.Single().Content.ShouldBeOfType<TextContentBlock>().Text.ShouldBe($"Hello, Ada! (from {backend})");
    }

    [Theory]
    [InlineData("web")]
    [InlineData("pipe")]
    public async Task ManyCallsAtOnce_EachGetTheirOwnAnswer(string backend)
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _gateway.ConnectAsync()));

        var answers = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
            AggregationTests.Text(await clients[i % clients.Length].CallToolAsync($"{backend}_1mcp_echo", AggregationTests.Args(("message", $"call {i}"))))));

        answers.ShouldBe(Enumerable.Range(0, 64).Select(i => $"call {i}"));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("pipe")]
    public async Task ABackendsJsonRpcError_ReachesTheClientAsTheSdkClientPassesItOn(string backend)
    {
        var client = await _gateway.ConnectAsync();

        var direct = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync($"{backend}_1mcp_throw").AsTask());
        var viaSdk = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("legacy_1mcp_throw").AsTask());

        direct.ErrorCode.ShouldBe(viaSdk.ErrorCode);
        direct.Message.ShouldBe(viaSdk.Message);
        direct.Message.ShouldContain("intentional protocol error");
    }

    [Theory]
    [InlineData("web")]
    [InlineData("pipe")]
    public async Task ProgressOfACall_ReachesTheCallerInOrder_BeforeTheAnswer(string backend)
    {
        using var session = await RawMcpSession.OpenAsync(_gateway.Url("/mcp"));

        // Steps back to back, a few calls: a progress notification routed later than it was read would trail the answer.
        for (var call = 1; call <= 3; call++)
        {
            var token = $"token-{call}";
            var stream = await session.RequestAsync("tools/call", new JsonObject
            {
                ["name"] = $"{backend}_1mcp_progress",
                ["arguments"] = new JsonObject { ["steps"] = 30, ["delayMs"] = 0 },
                ["_meta"] = new JsonObject { ["progressToken"] = token },
            });

            stream.Where(m => (string?)m["method"] == NotificationMethods.ProgressNotification)
                .Select(m => ((string)m["params"]!["progressToken"]!, (int)m["params"]!["progress"]!))
                .ShouldBe(Enumerable.Range(1, 30).Select(step => (token, step)));
            stream[^1]["result"].ShouldNotBeNull("the answer comes after every progress notification");
        }
    }

    [Theory]
    [InlineData("web")]
    [InlineData("pipe")]
    public async Task SamplingAskedDuringACall_IsAnsweredByTheCallingSession(string backend)
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

        var result = await client.CallToolAsync($"{backend}_1mcp_sample", AggregationTests.Args(("prompt", "hello")));

        AggregationTests.Text(result).ShouldBe("sampled: from the caller");
    }

    [Theory]
    [InlineData("web")]
    [InlineData("pipe")]
    public async Task ElicitationAndRootsAskedDuringACall_AreAnsweredByTheCallingSession(string backend)
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

        AggregationTests.Text(await client.CallToolAsync($"{backend}_1mcp_elicit", AggregationTests.Args(("message", "ok?")))).ShouldBe("elicited: accept yes");
        AggregationTests.Text(await client.CallToolAsync($"{backend}_1mcp_list_roots")).ShouldBe("file:///work/project");
    }

    [Theory]
    [InlineData("web")]
    [InlineData("pipe")]
    public async Task ALogMessageSentDuringACall_ReachesTheSession(string backend)
    {
        var log = new NotificationLog();
        var client = await _gateway.ConnectAsync(handlers: new McpClientHandlers
        {
            NotificationHandlers = [new(NotificationMethods.LoggingMessageNotification, log.Record)],
        });
        await client.SetLoggingLevelAsync(LoggingLevel.Debug);

        await client.CallToolAsync($"{backend}_1mcp_log", AggregationTests.Args(("level", "info"), ("message", "during the call")));

        await log.AtLeastAsync(1, "the backend's log line");
        log.Received.Select(p => p!["data"]!.ToString()).ShouldContain("during the call");
    }

    [Theory]
    [InlineData("web")]
    [InlineData("pipe")]
    public async Task ACancelledCall_IsCancelledOnTheBackend(string backend)
    {
        var client = await _gateway.ConnectAsync();
        var before = await CountAsync(client, $"{backend}_1mcp_cancellations");
        var started = await CountAsync(client, $"{backend}_1mcp_slow_started");
        using var cancel = new CancellationTokenSource();

        var slow = client.CallToolAsync($"{backend}_1mcp_slow", AggregationTests.Args(("ms", 60_000)), cancellationToken: cancel.Token).AsTask();
        await Eventually.ValueAsync(() => CountAsync(client, $"{backend}_1mcp_slow_started"), count => count == started + 1, "the backend to start the slow call");
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => slow);

        await Eventually.ValueAsync(() => CountAsync(client, $"{backend}_1mcp_cancellations"), count => count == before + 1, "the backend to count the cancelled call");
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

    [Fact]
    public async Task AServerThatPrintsNoiseAndSplitsItsLines_IsAnsweredByItsLines()
    {
        // A stdio server in bash that speaks 2025-06-18 (a session: no envelope), writes a line that is not JSON before
        // each answer, ends its lines with CRLF and writes each answer in two parts with a pause between them.
        var script = Path.Combine(Path.GetTempPath(), $"onemcp-noisy-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(script, """
            while IFS= read -r line; do
              [[ $line =~ \"id\":(\"[^\"]*\"|[0-9]+) ]] || continue
              id="${BASH_REMATCH[1]}"
              [[ $line =~ \"method\":\"([^\"]*)\" ]] || continue
              echo "starting work on $id"
              case "${BASH_REMATCH[1]}" in
                initialize) printf '{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"noisy","version":"1.0.0"}}}\r\n' "$id" ;;
                tools/list) printf '{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"id","inputSchema":{"type":"object"}}]}}\r\n' "$id" ;;
                tools/call)
                  printf '{"jsonrpc":"2.0","id":%s,' "$id"
                  sleep 0.05
                  printf '"result":{"content":[{"type":"text","text":"called as %s"}]}}\r\n' "${id//\"/}" ;;
                *) printf '{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"Method not found"}}\r\n' "$id" ;;
              esac
            done
            """);
        try
        {
            await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
                .Add("noisy", new JsonObject { ["command"] = "bash", ["args"] = new JsonArray(script) }));
            var client = await gateway.ConnectAsync();

            var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ => AggregationTests.Text(await client.CallToolAsync("noisy_1mcp_id"))));

            answers.ShouldAllBe(answer => answer.StartsWith("called as onemcp-", StringComparison.Ordinal));
            answers.Distinct().Count().ShouldBe(3);
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<int> CountAsync(McpClient client, string tool) =>
        int.Parse(AggregationTests.Text(await client.CallToolAsync(tool)), CultureInfo.InvariantCulture);
}
