using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OneMcp.Api.Mcp;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// The response of a call the gateway answers without the SDK's server (ADR 0036, ADR 0038) is written only while its
/// request lasts: Kestrel reuses a connection's response objects for its next request, so a message that arrives for
/// the call after its request ended (a cancelled call's queued progress, the SDK's withdrawal of a question it asked)
/// must not touch it. In a session it goes to the session's own stream, as the SDK sends it; without one it is dropped.
/// </summary>
public sealed class CallAnswerStreamTests
{
    [Fact]
    public async Task AMessageForASessionCall_AfterItsRequestEnded_GoesToTheSessionsStream_NotToTheEndedResponse()
    {
        var (response, body) = Response();
        var session = new RecordingServer();
        var stream = new SessionCallStream(response, session);
        await stream.SendMessageAsync(Notification("before"));
        var written = body.Length;

        await stream.CloseAsync();
        await stream.SendMessageAsync(Notification("after"));

        written.ShouldBeGreaterThan(0);
        body.Length.ShouldBe(written, "nothing is written on the response of a request that ended");
        session.Sent.Select(m => ((JsonRpcNotification)m).Method).ShouldBe(["after"]);
    }

    [Fact]
    public async Task AMessageForACancelledSessionCall_WhoseStreamNeverStarted_GoesToTheSessionsStream()
    {
        var (response, body) = Response();
        var session = new RecordingServer();
        var stream = new SessionCallStream(response, session);

        await stream.CloseAsync();
        await stream.SendMessageAsync(Notification("after"));

        body.Length.ShouldBe(0);
        response.Headers.ContainsKey("Mcp-Session-Id").ShouldBeFalse("an ended response's headers are not set either");
        session.Sent.Count.ShouldBe(1);
    }

    [Fact]
    public async Task ANotificationForAPerRequestCall_AfterItsRequestEnded_IsDropped()
    {
        var (response, body) = Response();
        var stream = new PerRequestStream(response);
        await stream.SendNotificationAsync("before", null, CancellationToken.None);
        var written = body.Length;

        await stream.CloseAsync();
        await stream.SendNotificationAsync("after", null, CancellationToken.None);

        written.ShouldBeGreaterThan(0);
        body.Length.ShouldBe(written);
    }

    private static (HttpResponse Response, MemoryStream Body) Response()
    {
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;
        return (context.Response, body);
    }

    private static JsonRpcNotification Notification(string method) => new() { Method = method, Params = new JsonObject() };

    /// <summary>A session's server that records what is sent on its own stream.</summary>
#pragma warning disable MCPEXP002 // McpServer's experimental members are not used.
    private sealed class RecordingServer : McpServer
#pragma warning restore MCPEXP002
    {
        public List<JsonRpcMessage> Sent { get; } = [];

        public override string? SessionId => "session";

        public override string? NegotiatedProtocolVersion => "2025-11-25";

        public override ClientCapabilities? ClientCapabilities => null;

        public override Implementation? ClientInfo => null;

        public override McpServerOptions ServerOptions { get; } = new();

        public override IServiceProvider? Services => null;

        [Obsolete("Overridden as the SDK requires.")]
#pragma warning disable CS0809 // The member it overrides is obsolete too.
        public override LoggingLevel? LoggingLevel => null;
#pragma warning restore CS0809

        public override Task RunAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public override Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
        {
            message.Context.ShouldBeNull("the session's own stream, not the call's");
            Sent.Add(message);
            return Task.CompletedTask;
        }

        public override Task<JsonRpcResponse> SendRequestAsync(JsonRpcRequest request, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public override IAsyncDisposable RegisterNotificationHandler(string method, Func<JsonRpcNotification, CancellationToken, ValueTask> handler) =>
            throw new NotSupportedException();

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
