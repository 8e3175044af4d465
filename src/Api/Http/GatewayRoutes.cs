namespace OneMcp.Api.Http;

public static class GatewayRoutes
{
    public const string Mcp = "/mcp";
    public const string Sse = "/sse";
    public const string Messages = "/messages";

    // Where the SDK maps legacy SSE under the /mcp group; /sse and /messages are rewritten to these.
    public const string SdkSse = "/mcp/sse";
    public const string SdkMessage = "/mcp/message";

    /// <summary>One backend under its original names (ADR 0025), mapped by the SDK like <c>/mcp</c>.</summary>
    public const string PerServer = "/mcp/{server}";

    /// <summary>
    /// The segment after <c>/mcp/</c> when the request addresses one backend (<c>/mcp/&lt;server&gt;</c>, or deeper
    /// paths under it, <paramref name="nested"/>); null for <c>/mcp</c> itself and for the SDK's legacy SSE endpoints
    /// (<c>GET /mcp/sse</c>, <c>POST /mcp/message</c>), which routing matches before <see cref="PerServer"/>.
    /// </summary>
    public static string? ServerOf(HttpRequest request, out bool nested)
    {
        nested = false;
        if (!request.Path.StartsWithSegments(Mcp, out var rest) || !rest.HasValue || rest.Value.AsSpan().TrimEnd('/').IsEmpty)
        {
            return null;
        }

        var segments = rest.Value.AsSpan(1).TrimEnd('/');
        var slash = segments.IndexOf('/');
        nested = slash >= 0;
        if (!nested && ((HttpMethods.IsGet(request.Method) && request.Path == SdkSse) || (HttpMethods.IsPost(request.Method) && request.Path == SdkMessage)))
        {
            return null;
        }

        return (nested ? segments[..slash] : segments).ToString();
    }

    /// <summary>A streamable HTTP POST (<c>/mcp</c> or <c>/mcp/&lt;server&gt;</c>), whose answer travels on its own response.</summary>
    public static bool IsStreamablePost(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return false;
        }

        if (request.Path == Mcp)
        {
            return true;
        }

        return ServerOf(request, out var nested) is not null
            ? !nested
            : request.Path.StartsWithSegments(Mcp, out var rest) && rest.Value.AsSpan().TrimEnd('/').IsEmpty;
    }
}
