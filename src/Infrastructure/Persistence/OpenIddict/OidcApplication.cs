using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// An OAuth client as OpenIddict sees it (row of <c>openiddict_applications</c>). A plain object: the
/// <see cref="DapperApplicationStore"/> maps it to the table, the collections are JSON text columns.
/// </summary>
public sealed class OidcApplication
{
    /// <summary>The key; a new GUID string unless the caller sets one before creating.</summary>
    public string? Id { get; set; } = Guid.NewGuid().ToString();

    /// <summary>Changes on every update; an update or delete of a stale copy fails with a concurrency exception.</summary>
    public string? ConcurrencyToken { get; set; } = Guid.NewGuid().ToString();

    public string? ApplicationType { get; set; }

    public string? ClientId { get; set; }

    /// <summary>The hashed secret (OpenIddict hashes before it reaches the store). Never logged.</summary>
    public string? ClientSecret { get; set; }

    public string? ClientType { get; set; }

    public string? ConsentType { get; set; }

    public string? DisplayName { get; set; }

    public ImmutableDictionary<CultureInfo, string> DisplayNames { get; set; } = ImmutableDictionary<CultureInfo, string>.Empty;

    public JsonWebKeySet? JsonWebKeySet { get; set; }

    public ImmutableArray<string> Permissions { get; set; } = [];

    public ImmutableArray<string> PostLogoutRedirectUris { get; set; } = [];

    public ImmutableDictionary<string, JsonElement> Properties { get; set; } = ImmutableDictionary<string, JsonElement>.Empty;

    public ImmutableArray<string> RedirectUris { get; set; } = [];

    public ImmutableArray<string> Requirements { get; set; } = [];

    public ImmutableDictionary<string, string> Settings { get; set; } = ImmutableDictionary<string, string>.Empty;
}
