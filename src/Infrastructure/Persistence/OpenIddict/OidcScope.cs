using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>A scope OpenIddict knows about (row of <c>openiddict_scopes</c>).</summary>
public sealed class OidcScope
{
    public string? Id { get; set; } = Guid.NewGuid().ToString();

    /// <summary>Changes on every update; an update or delete of a stale copy fails with a concurrency exception.</summary>
    public string? ConcurrencyToken { get; set; } = Guid.NewGuid().ToString();

    public string? Description { get; set; }

    public ImmutableDictionary<CultureInfo, string> Descriptions { get; set; } = ImmutableDictionary<CultureInfo, string>.Empty;

    public string? DisplayName { get; set; }

    public ImmutableDictionary<CultureInfo, string> DisplayNames { get; set; } = ImmutableDictionary<CultureInfo, string>.Empty;

    public string? Name { get; set; }

    public ImmutableDictionary<string, JsonElement> Properties { get; set; } = ImmutableDictionary<string, JsonElement>.Empty;

    public ImmutableArray<string> Resources { get; set; } = [];
}
