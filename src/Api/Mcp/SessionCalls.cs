using System.Buffers;
using System.IO.Pipelines;
using ModelContextProtocol.Protocol;
using OneMcp.Api.Http;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Api.Mcp;

/// <summary>
/// Answers a <c>tools/call</c>, <c>resources/read</c> or <c>prompts/get</c> in a streamable HTTP session without the
/// SDK's server (ADR 0038). Through the SDK every such call was read into a JSON tree, handed through the session's
/// channel to its message loop, dispatched, its typed result turned into a tree and written from it: most of what a
/// call cost the gateway beyond its own work. The call is judged exactly as through the SDK: the same session (filter,
/// grant, user), the same engine (visibility, scope, audit, spans), progress, logs and the backend's questions on the
/// same stream, <c>notifications/cancelled</c> honoured. What the SDK would refuse or treat differently (another
/// user, a session this process does not hold, a header the SDK checks, a body this does not read exactly as the SDK
/// does) goes to the SDK unchanged, and so does one call per interval, which keeps the session alive there.
/// </summary>
internal sealed class SessionCalls(RequestDelegate next, GatewayEngine engine, LiveSessions sessions, ILoggerFactory loggers)
{
    /// <summary>The largest body this looks at; a call with larger arguments is left to the SDK.</summary>
    internal const int LargestLookedAt = 64 * 1024;

    private readonly ILogger _logger = loggers.CreateLogger(GatewayMcp.LogCategory);

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!MayBe(request, out var sessionId)
            || !sessions.TryGet(sessionId, out var live)
            || live.Server is not { } server
            || !IsSessionVersion(request, server.NegotiatedProtocolVersion)
            || !live.IsOpenedBy(context)
            || live.TakeSdkTurn())
        {
            await next(context);
            return;
        }

        // The body is looked at where it lies, and left there for the SDK when this does not answer it: the SDK then
        // reads it exactly as it would have (it reads some bodies differently from a stream handed to it).
        var reader = request.BodyReader;
        var (body, whole) = await ReadWholeAsync(reader, context.RequestAborted);
        var call = whole ? Read(body) : null;
        if (call is null)
        {
            reader.AdvanceTo(body.Start, body.End);
            await next(context);
            return;
        }

        reader.AdvanceTo(body.End);
        await AnswerAsync(context, live, server, call);
    }

    private async Task AnswerAsync(HttpContext context, LiveSession live, ModelContextProtocol.Server.McpServer server, PerRequestCall.HotCall call)
    {
        var stream = new SessionCallStream(context.Response, server);
        var running = live.Begin(call.Id, context.RequestAborted);
        var cancellation = running.Token;
        try
        {
            var peer = new Infrastructure.Clients.ClientPeer(new StreamBoundServer(server, stream));
            await stream.AwaitAsync(RunAsync(stream, live.Session, peer, call, cancellation), cancellation);
        }
        catch (Exception) when (cancellation.IsCancellationRequested)
        {
            // The client dropped the request or cancelled it, or the session ended: as the SDK does, no answer is sent.
        }
        catch (Exception e)
        {
            try
            {
                await stream.FailAsync(call.Id, PerRequestCalls.ErrorOf(e, _logger), cancellation);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // Gone meanwhile.
            }
        }
        finally
        {
            // Whatever ended the request: what comes for the call later goes to the session's stream, not this response.
            await stream.CloseAsync();
            live.Finish(call.Id, running);
        }
    }

    private async Task RunAsync(SessionCallStream stream, GatewaySession session, IClientPeer peer, PerRequestCall.HotCall call, CancellationToken cancellation)
    {
        switch (call.Parameters)
        {
            case CallToolRequestParams tool:
                await stream.AnswerAsync(call.Id, await GatewayMcp.GuardAsync(_logger, engine.CallToolAsync(session, peer, tool, cancellation)),
                    McpJson<CallToolResult>.Info, cancellation);
                break;
            case ReadResourceRequestParams read:
                await stream.AnswerAsync(call.Id, await GatewayMcp.GuardAsync(_logger, engine.ReadResourceAsync(session, peer, read, cancellation)),
                    McpJson<ReadResourceResult>.Info, cancellation);
                break;
            case GetPromptRequestParams prompt:
                await stream.AnswerAsync(call.Id, await GatewayMcp.GuardAsync(_logger, engine.GetPromptAsync(session, peer, prompt, cancellation)),
                    McpJson<GetPromptResult>.Info, cancellation);
                break;
        }
    }

    /// <summary>
    /// The whole body, examined and not consumed until the caller advances past it; or, for a body larger than
    /// <see cref="LargestLookedAt"/>, what arrived of it (left to the SDK: the connection stops reading a body that is
    /// held unconsumed beyond its buffer, 1 MB by default).
    /// </summary>
    internal static async ValueTask<(ReadOnlySequence<byte> Body, bool Whole)> ReadWholeAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            if (read.IsCompleted || read.IsCanceled || read.Buffer.Length > LargestLookedAt)
            {
                return (read.Buffer, read.IsCompleted && read.Buffer.Length <= LargestLookedAt);
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static PerRequestCall.HotCall? Read(ReadOnlySequence<byte> body)
    {
        try
        {
            // A _meta that names a revision the SDK checks against the MCP-Protocol-Version header, in sessions too.
            var call = PerRequestCall.ReadHotCall(body.IsSingleSegment ? body.FirstSpan : body.ToArray(), method: null);
            return call?.Parameters.Meta?.ContainsKey(MetaKeys.ProtocolVersion) == true ? null : call;
        }
        catch (Exception e) when (PerRequestCall.IsUnreadable(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the request's headers alone may make it one (checked before its body is read): a streamable HTTP POST
    /// in a session, from a client that accepts both answers streamable HTTP allows. (The SDK checks <c>Mcp-Method</c> and
    /// <c>Mcp-Name</c> against the body only on 2026-07-28 requests, and so does not either: its own client sends them in
    /// sessions too.)
    /// </summary>
    private static bool MayBe(HttpRequest request, out string sessionId)
    {
        sessionId = string.Empty;
        if (!GatewayRoutes.IsStreamablePost(request))
        {
            return false;
        }

        var headers = request.Headers;
        if (headers[McpHeaders.SessionId] is not [{ Length: > 0 } id])
        {
            return false;
        }

        sessionId = id;
        return PerRequestCall.AcceptsBothAnswers(request);
    }

    /// <summary>No protocol version header, or the one the session agreed on; any other the SDK judges.</summary>
    private static bool IsSessionVersion(HttpRequest request, string? negotiated) =>
        request.Headers[McpHeaders.ProtocolVersion] is var version
        && (version.Count == 0 || (version.Count == 1 && string.Equals(version[0], negotiated, StringComparison.Ordinal)))
        && !ProtocolEra.IsPerRequest(negotiated);
}
