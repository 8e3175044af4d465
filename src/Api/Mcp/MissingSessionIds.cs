using System.Buffers;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using OneMcp.Api.Http;
using OneMcp.Application.Gateway;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Infrastructure.Mcp;

namespace OneMcp.Api.Mcp;

/// <summary>
/// A request to <c>/mcp</c> (or <c>/mcp/&lt;server&gt;</c>) of a revision with sessions (up to 2025-11-25) that needs
/// a session and names none: a <c>GET</c>, a <c>DELETE</c>, or a <c>POST</c> of anything but <c>initialize</c>. It is
/// answered 400 with JSON-RPC error -32600 saying what is missing and what to do. The SDK answered the GET and the POST
/// 400 too, but its text told the reader to change the SDK's settings (stateless mode), which a client of the gateway
/// cannot do, and the DELETE 200 having ended nothing. Whatever the SDK would refuse first for another reason (an
/// <c>Accept</c> it does not take, a body that is not one JSON-RPC message, a revision it does not know) and every
/// 2026-07-28 request (no sessions there) go on to it unchanged.
/// </summary>
internal sealed class MissingSessionIds(RequestDelegate next)
{
    internal const string GetMessage =
        "The Mcp-Session-Id header is missing: a GET opens the event stream of the session that header names. " +
        "Send initialize first, then this GET with the Mcp-Session-Id its answer returned.";

    internal const string DeleteMessage = "The Mcp-Session-Id header is missing: a DELETE ends the session that header names.";

    internal const string PostMessage =
        "The Mcp-Session-Id header is missing: only initialize opens a session, and every other message in it carries " +
        "the Mcp-Session-Id header that initialize returned. Send initialize first, or use the 2026-07-28 revision " +
        "(header MCP-Protocol-Version: 2026-07-28), whose requests need no session.";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (McpHeaders.NamesSession(request.Headers)
            || !PerServerPath.IsStreamableEndpoint(request.Method, request.Path.Value)
            || !IsSessionRevision(request.Headers[McpHeaders.ProtocolVersion].ToString()))
        {
            return next(context);
        }

        if (HttpMethods.IsGet(request.Method))
        {
            // The SDK refuses a GET that does not accept an event stream first (406).
            return request.GetTypedHeaders().Accept.Any(a => a.MatchesMediaType("text/event-stream"))
                ? Refuse(context, GetMessage)
                : next(context);
        }

        if (HttpMethods.IsDelete(request.Method))
        {
            return Refuse(context, DeleteMessage);
        }

        return HttpMethods.IsPost(request.Method) && PerRequestCall.AcceptsBothAnswers(request) ? PostAsync(context) : next(context);
    }

    private async Task PostAsync(HttpContext context)
    {
        // The body is looked at where it lies and left there: an initialize (or what the SDK refuses as no message)
        // reaches the SDK exactly as it came.
        var reader = context.Request.BodyReader;
        var (body, whole) = await SessionCalls.ReadWholeAsync(reader, context.RequestAborted);
        var message = whole ? Read(body) : null;
        reader.AdvanceTo(body.Start, body.End);
        if (message is null or JsonRpcRequest { Method: RequestMethods.Initialize })
        {
            await next(context);
            return;
        }

        await JsonRpcErrors.WriteAsync(context, StatusCodes.Status400BadRequest, JsonRpcErrors.InvalidRequest, PostMessage,
            message is JsonRpcRequest { Id: var id } ? id : default);
    }

    private static Task Refuse(HttpContext context, string message) =>
        JsonRpcErrors.WriteAsync(context, StatusCodes.Status400BadRequest, JsonRpcErrors.InvalidRequest, message);

    /// <summary>No <c>MCP-Protocol-Version</c> header (an older client), or a revision that opens sessions with initialize.</summary>
    private static bool IsSessionRevision(string version) =>
        version.Length == 0 || ProtocolEra.SessionRevisions.Contains(version, StringComparer.Ordinal);

    /// <summary>The body as the SDK reads it; null when it is not one JSON-RPC message (the SDK answers that itself).</summary>
    private static JsonRpcMessage? Read(ReadOnlySequence<byte> body)
    {
        try
        {
            var json = new Utf8JsonReader(body);
            return JsonSerializer.Deserialize(ref json, McpJson<JsonRpcMessage>.Info);
        }
        catch (Exception e) when (PerRequestCall.IsUnreadable(e))
        {
            return null;
        }
    }
}
