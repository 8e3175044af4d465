using System.Collections.Immutable;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>A grant of scopes by a subject to a client (row of <c>openiddict_authorizations</c>).</summary>
public sealed class OidcAuthorization : OidcEntry
{
    public ImmutableArray<string> Scopes { get; set; } = [];
}
