using System.Globalization;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// Calls, reads and prompts to a stdio backend are written into its pipe without the SDK client's pipeline, and their
/// answers taken out of its output before anything parses them (ADR 0044). What the backend sends meanwhile (progress,
/// questions, log messages) still reaches the calling session; a cancelled call is cancelled on the backend; many calls
/// at once each get their own answer; a JSON-RPC error reaches the client as the SDK client passes it on (the same test
/// server over legacy SSE, which the SDK client serves, is the reference).
/// </summary>
public sealed class DirectStdioCallsTests : IAsyncLifetime
{
    private HttpTestServer _web = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _web = await HttpTestServer.StartAsync("web");
        _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("pipe", ConfigBuilder.StdioTestServer("pipe", extraArgs: ["--report-request-ids"]))
            .Add("legacy", ConfigBuilder.HttpServer(_web.SseUrl, type: "sse")));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _web.DisposeAsync();
    }

    [Fact]
    public async Task ACall_ReachesTheStdioBackendWithTheGatewaysOwnRequestId()
    {
        var client = await _gateway.ConnectAsync();

        // The SDK client numbers its requests; a direct call names its own.
        var id = AggregationTests.Text(await client.CallToolAsync("pipe_1mcp_request_id"));

        id.ShouldStartWith("onemcp-");
    }

    [Fact]
    public async Task ReadsAndPrompts_AreAnswered()
    {
        var client = await _gateway.ConnectAsync();

        var info = await client.ReadResourceAsync("pipe_1mcp_test://static/info");
        info.Contents.OfType<TextResourceContents>().Single().Text.ShouldBe("info from pipe");
        var item = await client.ReadResourceAsync("pipe_1mcp_test://items/42");
        item.Contents.OfType<TextResourceContents>().Single().Text.ShouldBe("item 42 from pipe");
        var prompt = await client.GetPromptAsync("pipe_1mcp_greeting", new Dictionary<string, object?> { ["name"] = "Ada" });
        prompt.Messages.Single().Content.ShouldBeOfType<TextContentBlock>().Text.ShouldBe("Hello, Ada! (from pipe)");
    }

    [Fact]
    public async Task ManyCallsAtOnce_EachGetTheirOwnAnswer()
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _gateway.ConnectAsync()));

        var answers = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
            AggregationTests.Text(await clients[i % clients.Length].CallToolAsync("pipe_1mcp_echo", AggregationTests.Args(("message", $"call {i}"))))));

        answers.ShouldBe(Enumerable.Range(0, 64).Select(i => $"call {i}"));
    }

    [Fact]
    public async Task ABackendsJsonRpcError_ReachesTheClientAsTheSdkClientPassesItOn()
    {
        var client = await _gateway.ConnectAsync();

        var viaPipe = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("pipe_1mcp_throw").AsTask());
        var viaSdk = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("legacy_1mcp_throw").AsTask());

        viaPipe.ErrorCode.ShouldBe(viaSdk.ErrorCode);
        viaPipe.Message.ShouldBe(viaSdk.Message);
        viaPipe.Message.ShouldContain("intentional protocol error");
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
                ["name"] = "pipe_1mcp_progress",
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

        var result = await client.CallToolAsync("pipe_1mcp_sample", AggregationTests.Args(("prompt", "hello")));

        AggregationTests.Text(result).ShouldBe("sampled: from the caller");
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

        await client.CallToolAsync("pipe_1mcp_log", AggregationTests.Args(("level", "info"), ("message", "during the call")));

        await log.AtLeastAsync(1, "the backend's log line");
        log.Received.Select(p => p!["data"]!.ToString()).ShouldContain("during the call");
    }

    [Fact]
    public async Task ACancelledCall_IsCancelledOnTheBackend()
    {
        var client = await _gateway.ConnectAsync();
        var before = await CountAsync(client, "pipe_1mcp_cancellations");
        var started = await CountAsync(client, "pipe_1mcp_slow_started");
        using var cancel = new CancellationTokenSource();

        var slow = client.CallToolAsync("pipe_1mcp_slow", AggregationTests.Args(("ms", 60_000)), cancellationToken: cancel.Token).AsTask();
        await Eventually.ValueAsync(() => CountAsync(client, "pipe_1mcp_slow_started"), count => count == started + 1, "the backend to start the slow call");
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => slow);

        await Eventually.ValueAsync(() => CountAsync(client, "pipe_1mcp_cancellations"), count => count == before + 1, "the backend to count the cancelled call");
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
