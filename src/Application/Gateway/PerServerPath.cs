namespace OneMcp.Application.Gateway;

/// <summary>
/// Reads <c>/mcp/&lt;server&gt;</c> (one backend under its original names, ADR 0025) as routing matches it: the SDK
/// maps the streamable HTTP endpoint under it, and its legacy SSE endpoints under <c>/mcp</c> win over it
/// (<c>GET /mcp/sse</c>, <c>POST /mcp/message</c>).
/// </summary>
public static class PerServerPath
{
    private const string Mcp = "/mcp/";

    /// <summary>
    /// The segment after <c>/mcp/</c> when the request addresses one backend, with <paramref name="nested"/> set for
    /// deeper paths under it; null for <c>/mcp</c> itself, for the SDK's legacy SSE endpoints and for any other path.
    /// </summary>
    public static string? ServerOf(string method, string? path, out bool nested)
    {
        nested = false;
        if (path is null || !path.StartsWith(Mcp, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var segments = path.AsSpan(Mcp.Length).TrimEnd('/');
        if (segments.IsEmpty)
        {
            return null;
        }

        var slash = segments.IndexOf('/');
        nested = slash >= 0;
        if (!nested && (IsLegacy(method, "GET", segments, "sse") || IsLegacy(method, "POST", segments, "message")))
        {
            return null;
        }

        return (nested ? segments[..slash] : segments).ToString();
    }

    /// <summary>A streamable HTTP POST to <c>/mcp</c> or <c>/mcp/&lt;server&gt;</c>, whose answer travels on its own response.</summary>
    public static bool IsStreamablePost(string method, string? path) =>
        string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase) && IsStreamableEndpoint(method, path);

    /// <summary>A request with <paramref name="method"/> to the streamable HTTP endpoint, <c>/mcp</c> or <c>/mcp/&lt;server&gt;</c>.</summary>
    public static bool IsStreamableEndpoint(string method, string? path) =>
        path is not null
        && (path.AsSpan().TrimEnd('/').Equals(Mcp.AsSpan().TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
            || (ServerOf(method, path, out var nested) is not null && !nested));

    private static bool IsLegacy(string method, string legacyMethod, ReadOnlySpan<char> segment, string legacySegment) =>
        string.Equals(method, legacyMethod, StringComparison.OrdinalIgnoreCase) && segment.Equals(legacySegment, StringComparison.OrdinalIgnoreCase);
}
