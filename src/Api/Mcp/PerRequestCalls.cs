using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.InputRequests;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Api.Mcp;

/// <summary>
/// Answers a 2026-07-28 <c>tools/call</c>, <c>resources/read</c> or <c>prompts/get</c> without the SDK's
/// per-request server (ADR 0036). The SDK builds a whole server for each such request, its handler tables
/// included, and turns the result into a JSON tree before writing it; for the gateway's hot methods that was
/// most of what a 2026-07-28 call cost beyond a call in a session. The request is judged exactly as through the
/// SDK: the same session (filter, grant, user), the same engine (visibility, scope, audit, spans), the same MRTR
/// bridge, and the same answer on the same event stream. What the SDK would refuse, or what this does not read
/// exactly as the SDK does (<see cref="PerRequestCall"/>), goes to the SDK unchanged.
/// </summary>
internal sealed class PerRequestCalls(RequestDelegate next, GatewayEngine engine, InputRequiredBridge bridge, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(GatewayMcp.LogCategory);

    // Requests in a session (most of them) go on without a state machine of their own.
    public Task InvokeAsync(HttpContext context) =>
        PerRequestCall.MayBe(context.Request) ? ReadAsync(context) : next(context);

    private async Task ReadAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context.Request, context.RequestAborted);
        if (PerRequestCall.Read(body.AsSpan(), context.Request.Headers) is not { } call)
        {
            // The SDK reads the same bytes, and answers the request as it always has.
            context.Request.Body = new MemoryStream(body.Array!, body.Offset, body.Count, writable: false);
            await next(context);
            return;
        }

        await AnswerAsync(context, call);
    }

    private async Task AnswerAsync(HttpContext context, PerRequestCall call)
    {
        var aborted = context.RequestAborted;
        var stream = new PerRequestStream(context.Response);
        var session = GatewayMcp.NewSession(context, perRequest: true);
        session.Attach(stream);
        var request = BridgedRequest.For(session, stream, call.Method, call.Parameters, call.Target, call.Arguments, call.Capabilities);
        try
        {
            session.TakeLogLevelFromMeta(call.Meta);
            await stream.AwaitAsync(RunAsync(stream, session, request, call, aborted), aborted);
        }
        catch (InputRequiredException questions)
        {
            // MRTR: the backend asked something; the client answers by retrying the request with requestState.
            await AnswerIfHereAsync(stream.AnswerAsync(call.Id, questions.Result, McpJson<InputRequiredResult>.Info, aborted), aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client is gone, and with it the only stream its answer could travel on.
        }
        catch (Exception e)
        {
            await AnswerIfHereAsync(stream.FailAsync(call.Id, ErrorOf(e, _logger), aborted), aborted);
        }
        finally
        {
            // Whatever ended the request: a notification that comes for it later is dropped, not written on this response.
            await stream.CloseAsync();
        }
    }

    /// <summary>An answer that finds the client gone meanwhile is not sent, as in a session (<see cref="SessionCalls"/>).</summary>
    private static async Task AnswerIfHereAsync(Task answering, CancellationToken aborted)
    {
        try
        {
            await answering;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // Gone meanwhile.
        }
    }

    private async Task RunAsync(PerRequestStream stream, GatewaySession session, BridgedRequest request, PerRequestCall call, CancellationToken aborted)
    {
        switch (call.Parameters)
        {
            case CallToolRequestParams tool:
                await stream.AnswerAsync(call.Id, await RunAsync(request, (peer, ct) => engine.CallToolAsync(session, peer, tool, ct), aborted),
                    McpJson<CallToolResult>.Info, aborted);
                break;
            case ReadResourceRequestParams read:
                await stream.AnswerAsync(call.Id, await RunAsync(request, (peer, ct) => engine.ReadResourceAsync(session, peer, read, ct), aborted),
                    McpJson<ReadResourceResult>.Info, aborted);
                break;
            case GetPromptRequestParams prompt:
                await stream.AnswerAsync(call.Id, await RunAsync(request, (peer, ct) => engine.GetPromptAsync(session, peer, prompt, ct), aborted),
                    McpJson<GetPromptResult>.Info, aborted);
                break;
        }
    }

    private ValueTask<TResult> RunAsync<TResult>(BridgedRequest request, Func<Application.Gateway.Sessions.IClientPeer, CancellationToken, ValueTask<TResult>> call, CancellationToken aborted)
        where TResult : Result =>
        GatewayMcp.ForwardAsync(_logger, ct => bridge.RunAsync(request, call, ct), aborted);

    /// <summary>
    /// The JSON-RPC error the SDK answers an exception of a request handler with. An exception that is not an MCP error
    /// (the engine's own failures are, once <see cref="GatewayMcp.GuardAsync{T}(ILogger, ValueTask{T})"/> has logged them) reaches the client as a
    /// bare internal error, and is logged here: it is the gateway's failure, and otherwise nobody would see it.
    /// </summary>
    internal static JsonRpcErrorDetail ErrorOf(Exception exception, ILogger logger)
    {
        if (exception is not McpException)
        {
            GatewayMcp.LogUnanswered(logger, exception);
        }

        return ErrorOf(exception);
    }

    private static JsonRpcErrorDetail ErrorOf(Exception exception) => exception switch
    {
        UrlElicitationRequiredException url => new()
        {
            Code = (int)url.ErrorCode,
            Message = url.Message,
            Data = JsonSerializer.SerializeToNode(
                new UrlElicitationRequiredErrorData { Elicitations = [.. url.Elicitations] },
                McpJson<UrlElicitationRequiredErrorData>.Info),
        },
        UnsupportedProtocolVersionException version => new()
        {
            Code = (int)version.ErrorCode,
            Message = version.Message,
            Data = JsonSerializer.SerializeToNode(
                new UnsupportedProtocolVersionErrorData { Supported = [.. version.Supported], Requested = version.Requested },
                McpJson<UnsupportedProtocolVersionErrorData>.Info),
        },
        MissingRequiredClientCapabilityException capability => new()
        {
            Code = (int)capability.ErrorCode,
            Message = capability.Message,
            Data = JsonSerializer.SerializeToNode(
                new MissingRequiredClientCapabilityErrorData { RequiredCapabilities = capability.RequiredCapabilities },
                McpJson<MissingRequiredClientCapabilityErrorData>.Info),
        },
        McpProtocolException protocol => new()
        {
            Code = (int)protocol.ErrorCode,
            Message = protocol.Message,
            Data = DataOf(protocol.Data),
        },
        McpException mcp => new() { Code = (int)McpErrorCode.InternalError, Message = mcp.Message },
        _ => new() { Code = (int)McpErrorCode.InternalError, Message = "An error occurred." },
    };

    // What the SDK sends as an error's data: the exception's string-keyed entries that serialize.
    private static Dictionary<string, JsonElement>? DataOf(System.Collections.IDictionary data)
    {
        Dictionary<string, JsonElement>? entries = null;
        foreach (System.Collections.DictionaryEntry entry in data)
        {
            if (entry.Key is not string key)
            {
                continue;
            }

            try
            {
                var element = entry.Value is JsonElement json ? json : JsonSerializer.SerializeToElement(entry.Value, McpJson<object?>.Info);
                (entries ??= new(data.Count, StringComparer.Ordinal))[key] = element;
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                // A value that does not serialize is left out, as the SDK leaves it out.
            }
        }

        return entries;
    }

    private static async ValueTask<ArraySegment<byte>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.Body is MemoryStream { Position: 0 } read && read.TryGetBuffer(out var readBytes))
        {
            // Read already, by the relay's look for a retry that another replica holds (SessionRelay).
            return readBytes;
        }

        var buffer = new MemoryStream(request.ContentLength is > 0 and <= 1 << 20 ? (int)request.ContentLength.Value : 1024);
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.TryGetBuffer(out var bytes) ? bytes : new ArraySegment<byte>(buffer.ToArray());
    }
}
