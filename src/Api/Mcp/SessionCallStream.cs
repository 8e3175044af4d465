using System.Threading.Channels;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OneMcp.Api.Mcp;

/// <summary>
/// The response of a request in a session that <see cref="SessionCalls"/> answers (ADR 0038), written as the SDK writes
/// a session's POST: status 200 and the event stream's headers, the request's progress, logs and questions, then its
/// answer. The headers go with the first message, or on their own once the call has taken a while
/// (<see cref="CallAnswerStream.AwaitAsync"/>). To the session's server it
/// is the request's transport, so what a backend sends about the request travels here; anything sent after the answer,
/// or after the request ended without one (cancelled), goes where the SDK sends it then, to the session's own stream.
/// </summary>
internal sealed class SessionCallStream(HttpResponse response, McpServer session) : CallAnswerStream(response), ITransport
{
    private static readonly ChannelReader<JsonRpcMessage> NothingToRead = Closed();

    public string? SessionId => session.SessionId;

    /// <summary>Never read: a request's transport only carries what the server sends.</summary>
    public ChannelReader<JsonRpcMessage> MessageReader => NothingToRead;

    public async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (!await WriteAsync(message, final: false, cancellationToken))
        {
            message.Context = null;
            await session.SendMessageAsync(message, cancellationToken);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A session's POST answers with status 200 whatever its message says; the SDK sends the session's id on it.</summary>
    protected override void Start(JsonRpcError? firstError)
    {
        StartEventStream(StatusCodes.Status200OK);
        Response.Headers[Http.McpHeaders.SessionId] = session.SessionId;
    }

    private static ChannelReader<JsonRpcMessage> Closed()
    {
        var channel = Channel.CreateUnbounded<JsonRpcMessage>();
        channel.Writer.Complete();
        return channel.Reader;
    }
}
