using System.Text.Json.Nodes;
using OneMcp.Application.Authorization;
using OneMcp.Application.Backends;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// The RFC 9728 document of <c>/mcp</c>: where MCP clients learn which authorization server issues its tokens, and
/// the scopes of the tags the backends carry right now (as in the authorization server's own metadata).
/// </summary>
internal static class ProtectedResourceMetadata
{
    public static JsonObject Document(AuthSettings settings, IBackendPool pool) => new()
    {
        ["resource"] = settings.Resource,
        // Exactly the issuer of the authorization server's metadata (RFC 8414 §3.3 has clients compare them).
        ["authorization_servers"] = new JsonArray(settings.Issuer.AbsoluteUri),
        ["scopes_supported"] = new JsonArray([.. OAuthScopes.Current(pool).Append(Scopes.OfflineAccess).Select(s => (JsonNode)s)]),
        ["bearer_methods_supported"] = new JsonArray("header"),
        ["resource_name"] = "OneMcp",
    };
}
