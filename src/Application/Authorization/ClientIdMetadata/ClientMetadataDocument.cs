using System.Text.Json;
using System.Text.Json.Nodes;
using OneMcp.Application.Authorization.Commands;

namespace OneMcp.Application.Authorization.ClientIdMetadata;

/// <summary>
/// A Client ID Metadata Document read into the client it describes: a public client (PKCE, no secret) whose
/// <c>client_id</c> is the document's own URL and whose redirect URIs are the document's <c>redirect_uris</c>.
/// </summary>
/// <param name="ClientId">The document's URL, exactly as the client sent it.</param>
/// <param name="ClientName">The <c>client_name</c> it gives (null when none).</param>
/// <param name="Host">The host the document was fetched from: shown next to the name so a user sees who is asking.</param>
/// <param name="RedirectUris">Where the client may be sent back (https or loopback).</param>
/// <param name="MayRefresh">Whether it lists the refresh_token grant.</param>
public sealed record ClientMetadataDocument(string ClientId, string? ClientName, string Host, IReadOnlyList<Uri> RedirectUris, bool MayRefresh)
{
    /// <summary>What the consent page and the dashboard show: the client's name with the host it speaks for.</summary>
    public string DisplayName => string.IsNullOrWhiteSpace(ClientName) ? Host : $"{ClientName} ({Host})";

    /// <summary>
    /// Reads the document fetched from <paramref name="clientId"/>; the problem (one sentence, for the OAuth
    /// <c>invalid_request</c> error) when it does not describe a public client at that URL.
    /// </summary>
    public static ClientMetadataDocument? Read(string clientId, Uri url, ReadOnlySpan<byte> json, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(url);
        JsonObject document;
        try
        {
            if (JsonNode.Parse(json) is not JsonObject parsed)
            {
                problem = "The client metadata document is not a JSON object.";
                return null;
            }

            document = parsed;
        }
        catch (JsonException)
        {
            // The parser's message would echo the client's bytes; the sentence is enough for the client.
            problem = "The client metadata document is not valid JSON.";
            return null;
        }

        problem = Problem(clientId, document, out var redirectUris, out var name, out var mayRefresh);
        return problem is null ? new ClientMetadataDocument(clientId, name, url.IdnHost, redirectUris, mayRefresh) : null;
    }

    private static string? Problem(string clientId, JsonObject document, out List<Uri> redirectUris, out string? name, out bool mayRefresh)
    {
        redirectUris = [];
        name = null;
        mayRefresh = false;
        if (Text(document["client_id"]) != clientId)
        {
            return "The client metadata document's client_id is not the URL it was fetched from.";
        }

        if (document.ContainsKey("client_secret") || document.ContainsKey("client_secret_expires_at"))
        {
            return "A client metadata document may not carry a client secret.";
        }

        if (document["token_endpoint_auth_method"] is { } method && Text(method) != "none")
        {
            return "The gateway accepts metadata documents of public clients only (token_endpoint_auth_method none).";
        }

        if (document["redirect_uris"] is not JsonArray uris || uris.Count == 0 || uris.Count > ClientMetadata.MaxRedirectUris)
        {
            return $"The client metadata document must list between 1 and {ClientMetadata.MaxRedirectUris} redirect_uris.";
        }

        foreach (var node in uris)
        {
            var text = Text(node);
            if (RedirectUriRules.Problem(text) is { } bad)
            {
                return "The client metadata document has a redirect URI the gateway refuses: " + bad;
            }

            redirectUris.Add(new Uri(text!));
        }

        var grants = Strings(document["grant_types"]);
        if ((grants is null && document.ContainsKey("grant_types"))
            || grants?.Any(g => g is not (ClientMetadata.AuthorizationCode or ClientMetadata.RefreshToken)) == true
            || grants?.Contains(ClientMetadata.AuthorizationCode) == false)
        {
            return "The client metadata document's grant_types must be authorization_code, optionally with refresh_token.";
        }

        var responses = Strings(document["response_types"]);
        if ((responses is null && document.ContainsKey("response_types")) || responses?.Any(r => r != ClientMetadata.Code) == true)
        {
            return "The client metadata document's response_types may only be code.";
        }

        if (document["client_name"] is { } nameNode)
        {
            name = Text(nameNode)?.Trim();
            if (name is null || name.Length > ClientMetadata.MaxClientNameLength || name.Any(char.IsControl))
            {
                return $"The client metadata document's client_name must be text of at most {ClientMetadata.MaxClientNameLength} characters.";
            }
        }

        mayRefresh = grants?.Contains(ClientMetadata.RefreshToken) == true;
        return null;
    }

    private static List<string>? Strings(JsonNode? node) =>
        node is JsonArray array && array.Select(Text).ToList() is var values && values.All(v => v is not null) ? [.. values.Select(v => v!)] : null;

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
