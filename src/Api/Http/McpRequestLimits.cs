using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using OneMcp.Api.Mcp;

namespace OneMcp.Api.Http;

/// <summary>
/// Caps request bodies on the MCP endpoints and answers an oversized one with a JSON-RPC error (not the
/// server's bare 413), as it answers a body whose text cannot be read (not a bare 500) and a streamable HTTP POST
/// whose body is not declared JSON (not a bare 415 or a 500); and maps the legacy SSE paths onto the SDK's.
/// </summary>
internal sealed class McpRequestLimits(RequestDelegate next, LegacySseSessions legacySessions, long maxBodyBytes)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;

        // 1MCP serves legacy SSE at /sse and /messages; the SDK maps it under its group.
        if (HttpMethods.IsGet(request.Method) && request.Path == GatewayRoutes.Sse)
        {
            request.Path = GatewayRoutes.SdkSse;
        }
        else if (HttpMethods.IsPost(request.Method) && request.Path == GatewayRoutes.Messages)
        {
            request.Path = GatewayRoutes.SdkMessage;
        }

        if (Allowed(request) is { } allowed)
        {
            // Routing answered these with a bare 404 (/sse, /messages) or 405 (/mcp) without a body.
            context.Response.Headers.Allow = allowed;
            await JsonRpcErrors.WriteAsync(
                context, StatusCodes.Status405MethodNotAllowed, JsonRpcErrors.InvalidRequest, $"{request.Path} does not take {request.Method} requests, only {allowed}.");
            return;
        }

        if (!JsonRpcErrors.IsMcpPath(request.Path) || !HttpMethods.IsPost(request.Method))
        {
            await next(context);
            return;
        }

        if (request.ContentLength > maxBodyBytes)
        {
            await RejectAsync(context);
            return;
        }

        var legacyMessage = request.Path == GatewayRoutes.SdkMessage;
        if (!IsJson(request.ContentType) && (legacyMessage || GatewayRoutes.IsStreamablePost(request)))
        {
            // Through the SDK, routing answered text/plain with a bare 415 and a missing Content-Type with a 500 (on the
            // legacy /messages too); the fast paths (ADR 0036, ADR 0038) answered both. Every path now refuses them alike.
            await JsonRpcErrors.WriteAsync(
                context, StatusCodes.Status415UnsupportedMediaType, JsonRpcErrors.InvalidRequest, "The request body must be JSON, sent with Content-Type: application/json.");
            return;
        }

        if (legacyMessage && request.Query["sessionId"] is not [{ Length: > 0 }])
        {
            // The SDK answers this with a bare JSON string.
            await JsonRpcErrors.WriteAsync(
                context, StatusCodes.Status400BadRequest, JsonRpcErrors.InvalidRequest,
                "The sessionId query parameter is missing: post each message to the URL the GET /sse stream announced.");
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBodyBytes;
        }
        else if (request.ContentLength is null)
        {
            // Reading had started (the replica relay looks into a chunked 2026-07-28 body for a retry), so Kestrel's
            // limit stays at its 30 MB default: the body itself is capped instead.
            request.Body = new CappedRequestBody(request.Body, maxBodyBytes);
        }

        try
        {
            await (legacyMessage ? LegacyMessageRefusals.ServeAsync(context, next, legacySessions) : next(context));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            await RejectAsync(context);
        }
        catch (JsonException e) when (legacyMessage && !context.Response.HasStarted)
        {
            // The SDK reads a legacy SSE message without catching what its JSON reader throws (a bare 500 and an error in
            // the log); streamable HTTP answers the same body with this error.
            await JsonRpcErrors.WriteAsync(
                context, StatusCodes.Status400BadRequest, JsonRpcErrors.InvalidRequest, $"The POST body did not contain a valid JSON-RPC message: {e.Message}");
        }
        catch (InvalidOperationException e) when (e.TargetSite?.DeclaringType?.Assembly == typeof(JsonException).Assembly && !context.Response.HasStarted)
        {
            // The JSON reader accepts an escaped half of a surrogate pair ("\ud800"); reading it as text throws, and
            // the SDK does not catch that everywhere it reads a request (a property name in _meta answered 500).
            await JsonRpcErrors.WriteAsync(
                context, StatusCodes.Status400BadRequest, JsonRpcErrors.ParseError, $"The request body holds JSON text that cannot be read: {e.Message}");
        }
    }

    /// <summary>
    /// The methods the gateway's own MCP endpoints take, when <paramref name="request"/> asked one of them another way;
    /// null otherwise (HEAD and OPTIONS are left to routing and CORS, <c>/mcp/&lt;server&gt;</c> to its own middleware).
    /// </summary>
    private static string? Allowed(HttpRequest request)
    {
        var method = request.Method;
        if (HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
        {
            return null;
        }

        var path = request.Path;
        return path == GatewayRoutes.Sse && !HttpMethods.IsGet(method) ? "GET"
            : path == GatewayRoutes.Messages && !HttpMethods.IsPost(method) ? "POST"
            : path == GatewayRoutes.Mcp && !HttpMethods.IsGet(method) && !HttpMethods.IsPost(method) && !HttpMethods.IsDelete(method) ? "GET, POST, DELETE"
            : null;
    }

    /// <summary>
    /// A JSON body as the SDK reads one (<see cref="HttpRequestJsonExtensions.HasJsonContentType(HttpRequest)"/>:
    /// application/json, or a +json type, with any parameters); what clients send is compared without parsing it.
    /// </summary>
    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase)
            || string.Equals(contentType, "application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase)
            || (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
                && (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))));

    private Task RejectAsync(HttpContext context) =>
        JsonRpcErrors.WriteAsync(
            context,
            StatusCodes.Status413PayloadTooLarge,
            JsonRpcErrors.InvalidRequest,
            $"The request body is larger than the gateway accepts ({maxBodyBytes / 1024} KiB).");
}
