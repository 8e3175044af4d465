using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Authorization;

/// <summary>
/// The scopes the gateway's authorization server knows: <c>tag:&lt;name&gt;</c> per backend tag,
/// <c>onemcp:admin</c> and <c>offline_access</c>.
/// </summary>
public static class OAuthScopes
{
    public const string TagPrefix = "tag:";
    public const string OfflineAccess = "offline_access";

    /// <summary>
    /// Administering the gateway through its REST API with a bearer token. Only an administrator can grant it,
    /// always as an explicit choice: an administrator's role alone never puts admin rights into a token, so an
    /// MCP client approved for tools cannot add a backend that runs commands on the gateway's host.
    /// </summary>
    public const string Admin = "onemcp:admin";

    public static string ForTag(Tag tag) => TagPrefix + tag.Value;

    /// <summary>Reads <c>tag:&lt;name&gt;</c>; tags compare case-insensitively, so the tag comes back normalised.</summary>
    public static bool TryParseTag(string? scope, out Tag tag)
    {
        tag = default;
        return scope is not null
            && scope.StartsWith(TagPrefix, StringComparison.OrdinalIgnoreCase)
            && Tag.TryParse(scope[TagPrefix.Length..], out tag, out _);
    }

    /// <summary>
    /// Why nobody could consent to these scopes: one names a tag no running backend carries. Null when every tag is
    /// known. It does not depend on who asks, so the authorization endpoint refuses such a request before sign-in.
    /// </summary>
    public static string? UnknownTagRefusal(IEnumerable<string> scopes, IReadOnlyList<string> available)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(available);
        foreach (var scope in scopes)
        {
            if (TryParseTag(scope, out var tag) && !available.Contains(ForTag(tag), StringComparer.Ordinal))
            {
                return $"The scope '{scope}' names no tag of this gateway.";
            }
        }

        return null;
    }

    /// <summary>The tag scopes of every running backend, sorted: what a client may ask for right now.</summary>
    public static IReadOnlyList<string> Current(IBackendPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return [.. pool.Backends
            .SelectMany(b => b.Settings.Tags)
            .Select(t => t.Value)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(t => TagPrefix + t)];
    }
}
