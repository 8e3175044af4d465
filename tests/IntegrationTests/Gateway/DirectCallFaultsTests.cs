using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// A direct call to a streamable HTTP backend (ADR 0039) whose exchange goes wrong, against the test server's
/// <c>--faults</c>: it fails promptly with what went wrong, or, where the SDK client would, reads past it. The backend's
/// request timeout is long, so a call that waits for it fails with another error.
/// </summary>
public sealed class DirectCallFaultsTests : IAsyncLifetime
{
    private HttpTestServer _web = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _web = await HttpTestServer.StartAsync("web", extraArgs: ["--resumable", "--faults"]);
        var web = ConfigBuilder.HttpServer(_web.McpUrl);
        web["requestTimeout"] = 30_000;
        _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("web", web));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _web.DisposeAsync();
    }

    [Fact]
    public async Task ACallWhoseResumedStreamIsRefused_FailsAtOnce_AndIsNeverSentAgain()
    {
        var client = await _gateway.ConnectAsync();

        // The backend accepted the call and ran it; its stream closed and the GET that resumes it is refused (404). The
        // answer is lost: the call fails, and is not sent again (it would run twice), nor waits out the timeout.
        var failure = await Should.ThrowAsync<McpException>(() =>
            client.CallToolAsync("web_1mcp_lost_poll", AggregationTests.Args(("retryMs", 100), ("waitMs", 300))).AsTask());

        failure.Message.ShouldContain("Server 'web' lost the answer to tools/call");
        failure.Message.ShouldContain("404");
        int.Parse(AggregationTests.Text(await client.CallToolAsync("web_1mcp_lost_polls")), CultureInfo.InvariantCulture).ShouldBe(1);
    }

    [Fact]
    public async Task ACallWhoseStreamEndsWithoutItsAnswerOrAnEventId_FailsNamingTheBackend()
    {
        var client = await _gateway.ConnectAsync();

        // The backend accepted the call, then ended its stream without the answer and without an event id to resume it
        // by (a server whose session was deleted under the call ends its streams so): the answer is lost.
        var failure = await Should.ThrowAsync<McpException>(() => client.CallToolAsync("web_1mcp_unanswered").AsTask());

        failure.Message.ShouldContain("Server 'web' lost the answer to tools/call");
        failure.Message.ShouldContain("not sent again");
    }

    [Fact]
    public async Task ACompletionWhoseStreamEndsWithoutItsAnswer_FailsInTheSameWordsAsADirectCall()
    {
        var client = await _gateway.ConnectAsync();

        // Completions go through the SDK client, not the direct path: a stream that ends without the answer is told in
        // the gateway's words, naming the backend, not the SDK's ("... completed without a reply ...").
        var failure = await Should.ThrowAsync<McpException>(() =>
            client.CompleteAsync(new PromptReference { Name = "web_1mcp_greeting" }, "name", "c").AsTask());

        failure.Message.ShouldContain("Server 'web' lost the answer to completion/complete");
        failure.Message.ShouldContain("not sent again");
        failure.Message.ShouldNotContain("without a reply");
    }

    [Fact]
    public async Task ACallWhoseResumptionsFailWithA5xx_IsResumedAgain()
    {
        var client = await _gateway.ConnectAsync();

        // The first two GETs that resume the stream are answered 503: tried again, as the SDK does.
        AggregationTests.Text(await client.CallToolAsync("web_1mcp_flaky_poll", AggregationTests.Args(("retryMs", 100), ("waitMs", 300))))
            .ShouldBe("answered on the third resumption");
    }

    [Fact]
    public async Task EventsThatAreNotJsonRpcMessages_AreSkipped()
    {
        var client = await _gateway.ConnectAsync();

        // Before the answer: "not json", {}, a reply with neither result nor error, a notification whose method is a number.
        AggregationTests.Text(await client.CallToolAsync("web_1mcp_garbled", AggregationTests.Args(("message", "read past them")))).ShouldBe("read past them");
    }

    [Fact]
    public async Task ARefusalWithAHugeBodyThatNeverEnds_FailsAtOnce_WithAShortError()
    {
        var client = await _gateway.ConnectAsync();

        // A 500 with 4 MB of body that then stalls: only its start is read.
        var failure = await Should.ThrowAsync<McpException>(() => client.CallToolAsync("web_1mcp_huge_error").AsTask());

        failure.Message.ShouldContain("Server 'web' disconnected while handling tools/call");
        failure.Message.Length.ShouldBeLessThan(2048);
    }
}
