using System.Collections.Immutable;
using System.Text.Json;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>A grant of scopes by a subject to a client (row of <c>openiddict_authorizations</c>).</summary>
public sealed class OidcAuthorization
{
    public string? Id { get; set; } = Guid.NewGuid().ToString();

    /// <summary>Changes on every update; an update or delete of a stale copy fails with a concurrency exception.</summary>
    public string? ConcurrencyToken { get; set; } = Guid.NewGuid().ToString();

    /// <summary>The <see cref="OidcApplication.Id"/> of the client (not its client_id).</summary>
    public string? ApplicationId { get; set; }

    public DateTimeOffset? CreationDate { get; set; }

    public ImmutableDictionary<string, JsonElement> Properties { get; set; } = ImmutableDictionary<string, JsonElement>.Empty;

    public ImmutableArray<string> Scopes { get; set; } = [];

    public string? Status { get; set; }

    public string? Subject { get; set; }

    public string? Type { get; set; }
}
