namespace OneMcp.Application.Authorization.ClientIdMetadata;

/// <summary>
/// A client id that is the URL of a Client ID Metadata Document (MCP 2026-07-28, draft-ietf-oauth-client-id-metadata-document):
/// https, with a path, no fragment, no user information and no dot segments. Plain http is accepted only for a loopback
/// host while the gateway itself runs on loopback for development.
/// </summary>
public static class ClientIdUrl
{
    public const int MaxLength = 2000;

    /// <summary>Whether the client id is meant as a metadata document URL (registered client ids are never URLs).</summary>
    public static bool LooksLikeUrl(string? clientId) =>
        clientId is not null
        && (clientId.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || clientId.StartsWith("http://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Why <paramref name="clientId"/> cannot be fetched as a metadata document, or null when it can (then <paramref name="url"/> is set).</summary>
    public static string? Problem(string clientId, bool allowLoopbackHttp, out Uri? url)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        url = null;
        if (clientId.Length > MaxLength || !Uri.TryCreate(clientId, UriKind.Absolute, out var parsed))
        {
            return "The client_id is not a valid URL.";
        }

        var https = parsed.Scheme == Uri.UriSchemeHttps;
        var loopbackHttp = parsed.Scheme == Uri.UriSchemeHttp && allowLoopbackHttp && RedirectUriRules.IsLoopback(parsed);
        if (!https && !loopbackHttp)
        {
            return "A client_id URL must use https.";
        }

        if (!string.IsNullOrEmpty(parsed.Fragment) || clientId.Contains('#', StringComparison.Ordinal))
        {
            return "A client_id URL may not have a fragment.";
        }

        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            return "A client_id URL may not carry user information.";
        }

        // Uri has already removed dot segments from AbsolutePath, so look at the text as sent.
        var path = clientId[(clientId.IndexOf("//", StringComparison.Ordinal) + 2)..];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var pathOnly = slash < 0 ? string.Empty : path[slash..].Split('?')[0];
        if (pathOnly.Length <= 1)
        {
            return "A client_id URL must have a path naming its metadata document.";
        }

        if (pathOnly.Split('/').Any(segment => segment is "." or ".."))
        {
            return "A client_id URL may not have '.' or '..' path segments.";
        }

        url = parsed;
        return null;
    }
}
