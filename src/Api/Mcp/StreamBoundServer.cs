using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.Api.Mcp;

/// <summary>
/// A session's server as one request answered by <see cref="SessionCalls"/> sees it: what it sends (progress, logs,
/// and questions to the client such as sampling) goes on that request's own event stream, as the SDK sends what a
/// request's handler sends on the POST that carried it. The session's server still tracks the questions, so the
/// client's answers, which arrive as POSTs of their own, reach them through the SDK.
/// </summary>
#pragma warning disable MCPEXP002 // McpServer's experimental members are forwarded, not used.
internal sealed class StreamBoundServer(McpServer server, ITransport stream) : McpServer
#pragma warning restore MCPEXP002
{
    public override string? SessionId => server.SessionId;

    public override string? NegotiatedProtocolVersion => server.NegotiatedProtocolVersion;

    public override ClientCapabilities? ClientCapabilities => server.ClientCapabilities;

    public override Implementation? ClientInfo => server.ClientInfo;

    public override McpServerOptions ServerOptions => server.ServerOptions;

    public override IServiceProvider? Services => server.Services;

    [Obsolete("Forwarded as the SDK's own request-bound server forwards it.")]
#pragma warning disable CS0809 // The member it overrides is obsolete too.
    public override LoggingLevel? LoggingLevel => server.LoggingLevel;
#pragma warning restore CS0809

    public override Task RunAsync(CancellationToken cancellationToken = default) => server.RunAsync(cancellationToken);

    public override Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        message.Context = new() { RelatedTransport = stream };
        return server.SendMessageAsync(message, cancellationToken);
    }

    public override Task<JsonRpcResponse> SendRequestAsync(JsonRpcRequest request, CancellationToken cancellationToken = default)
    {
        request.Context = new() { RelatedTransport = stream };
        return server.SendRequestAsync(request, cancellationToken);
    }

    public override IAsyncDisposable RegisterNotificationHandler(string method, Func<JsonRpcNotification, CancellationToken, ValueTask> handler) =>
        server.RegisterNotificationHandler(method, handler);

    /// <summary>The session outlives the request: ending the request ends nothing of it.</summary>
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
