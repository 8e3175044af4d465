using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using OneMcp.Infrastructure.Backends;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// A stdio backend's pipes at their limits (ADR 0044): an answer of tens of megabytes on one line, an input the server
/// stops reading while a large request is written to it, and the input of a server that crashed.
/// </summary>
public sealed class StdioPipeLimitsTests
{
    // A stdio server in bash that speaks 2025-06-18 and has one tool, which answers with a text of `size` x's ("small"
    // when its arguments say "small"); once it listed its tools it runs `afterList`.
    private static string Server(string afterList, long size = 40 * 1024 * 1024) => """
        while IFS= read -r line; do
          [[ $line =~ \"id\":(\"[^\"]*\"|[0-9]+) ]] || continue
          id="${BASH_REMATCH[1]}"
          [[ $line =~ \"method\":\"([^\"]*)\" ]] || continue
          case "${BASH_REMATCH[1]}" in
            initialize) printf '{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"limits","version":"1.0.0"}}}\n' "$id" ;;
            tools/list) printf '{"jsonrpc":"2.0","id":%s,"result":{"tools":[{"name":"call","inputSchema":{"type":"object"}}]}}\n' "$id"
              AFTER_LIST ;;
            tools/call)
              if [[ $line == *small* ]]; then
                printf '{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"small"}]}}\n' "$id"
              else
                printf '{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"' "$id"
                head -c SIZE /dev/zero | tr '\0' x
                printf '"}]}}\n'
              fi ;;
            *) printf '{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"Method not found"}}\n' "$id" ;;
          esac
        done
        """.Replace("AFTER_LIST", afterList, StringComparison.Ordinal).Replace("SIZE", size.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    [Fact]
    public async Task AnAnswerOf40MiBOnOneLine_ReachesTheCaller()
    {
        var script = await ScriptAsync(Server(afterList: ":"));
        try
        {
            await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
                .Add("big", new JsonObject { ["command"] = "bash", ["args"] = new JsonArray(script) }));
            var client = await gateway.ConnectAsync();

            var text = AggregationTests.Text(await client.CallToolAsync("big_1mcp_call"));

            text.Length.ShouldBe(40 * 1024 * 1024);
            text.ShouldAllBe(c => c == 'x');
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task AnAnswerOverTheLimit_FailsItsCallAtOnce_AndTheServerAnswersTheNextOne()
    {
        // 70 MiB, over the 64 MiB taken: dropped, and the call gets an error in its place, not its timeout.
        var script = await ScriptAsync(Server(afterList: ":", size: 70 * 1024 * 1024));
        try
        {
            await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
                .Add("huge", new JsonObject { ["command"] = "bash", ["args"] = new JsonArray(script), ["requestTimeout"] = 60000 }));
            var client = await gateway.ConnectAsync();

            var error = await Should.ThrowAsync<McpException>(client.CallToolAsync("huge_1mcp_call").AsTask());
            error.Message.ShouldContain("The answer of server 'huge' is longer than the 64 MiB the gateway takes.");

            AggregationTests.Text(await client.CallToolAsync("huge_1mcp_call", new Dictionary<string, object?> { ["say"] = "small" })).ShouldBe("small");
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task AServerThatStopsReadingItsInput_LetsALargeCallFailAtItsTimeout()
    {
        // Once it has listed its tools the server reads nothing more: a request larger than the pipe's buffer (64 KiB)
        // is never taken whole, and its caller gets the request timeout, not a wait for as long as the server lives.
        var script = await ScriptAsync(Server(afterList: "exec sleep 120"));
        try
        {
            await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
                .Add("stuck", new JsonObject { ["command"] = "bash", ["args"] = new JsonArray(script), ["requestTimeout"] = 1000 }));
            var client = await gateway.ConnectAsync();

            var call = client.CallToolAsync("stuck_1mcp_call", new Dictionary<string, object?> { ["data"] = new string('a', 200 * 1024) }).AsTask();

            var error = await Should.ThrowAsync<McpException>(call.WaitAsync(TimeSpan.FromSeconds(60)));
            error.Message.ShouldContain("did not answer tools/call within 1 s");
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task AServerThatCrashes_HasItsInputClosed()
    {
        // The process's own Dispose leaves a standard input that was used open: one pipe lost per crash otherwise.
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("bash", ["-c", "read -r line; exit 3"])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        using var stderr = new StderrTail(null);
        process.Start();
        stderr.Start(process.StandardError.BaseStream);
        var input = ((PipeStream)process.StandardInput.BaseStream).SafePipeHandle;
        await using var session = new StdioBackendSession("crash", process, stderr, TimeSpan.FromSeconds(2), new BackendProgressRoutes(), NullLoggerFactory.Instance);

        await session.WriteLineAsync("{}\n"u8.ToArray(), CancellationToken.None);
        await Eventually.TrueAsync(() => !session.IsConnected, "the session to see the crash");

        input.IsClosed.ShouldBeTrue();
    }

    [Fact]
    public async Task AServerWritingStandardErrorWithoutNewlines_HasItCutOffAsItComes()
    {
        // A line is held in memory only up to the cut: 64 MiB without a newline is reported, cut off, at once, while the
        // server still runs, instead of being gathered until a newline that may never come.
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var transport = new StdioBackendTransport(
            new StdioClientTransportOptions
            {
                Name = "noisy",
                Command = "bash",
                Arguments = ["-c", "head -c 67108864 /dev/zero | tr '\\0' x >&2; exec sleep 60"],
                StandardErrorLines = lines.Enqueue,
                ShutdownTimeout = TimeSpan.FromSeconds(2),
            },
            new BackendProgressRoutes(),
            NullLoggerFactory.Instance);
        await using var session = await transport.ConnectAsync();

        await Eventually.TrueAsync(() => !lines.IsEmpty, "the start of the endless line to be logged");

        var line = lines.ShouldHaveSingleItem();
        line.ShouldStartWith(new string('x', StderrTail.MaxLineBytes));
        line.ShouldEndWith($"… (cut off: the line is longer than {StderrTail.MaxLineBytes} bytes)");
        transport.Session.ShouldNotBeNull().IsConnected.ShouldBeTrue();
    }

    [Fact]
    public async Task AServerThatClosesItsOutputBeforeItExits_IsReportedAsExited_WithItsLastWords()
    {
        // Its pipes close a moment before its exit can be known; here that moment is a second long.
        await using var gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("quitter", new JsonObject { ["command"] = "bash", ["args"] = new JsonArray("-c", "echo 'no licence found' >&2; exec >&- 2>&-; sleep 1; exit 3") }));
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };

        var health = await Eventually.ValueAsync(
            async () => await (await http.GetAsync("/health")).Content.ReadAsStringAsync(), text => text.Contains("\"error\":\"", StringComparison.Ordinal), "the backend's error in /health");

        var error = JsonNode.Parse(health)!["backends"]!.AsArray().Single()!["error"]!.GetValue<string>();
        error.ShouldStartWith("MCP server process exited unexpectedly (exit code: 3)");
        error.ShouldEndWith("no licence found");
    }

    private static async Task<string> ScriptAsync(string content)
    {
        var script = Path.Combine(Path.GetTempPath(), $"onemcp-limits-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(script, content);
        return script;
    }
}
