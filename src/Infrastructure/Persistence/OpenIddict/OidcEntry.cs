using System.Collections.Immutable;
using System.Text.Json;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// What an authorization and a token entry have alike: an entry a client holds for a subject, with a status, a type and
/// a concurrency token (rows of <c>openiddict_authorizations</c> and <c>openiddict_tokens</c>).
/// </summary>
public abstract class OidcEntry
{
    public string? Id { get; set; } = Guid.NewGuid().ToString();

    /// <summary>
    /// Changes on every update; an update or delete of a stale copy fails with a concurrency exception. This is what
    /// lets OpenIddict redeem a code or refresh token exactly once.
    /// </summary>
    public string? ConcurrencyToken { get; set; } = Guid.NewGuid().ToString();

    /// <summary>The <see cref="OidcApplication.Id"/> of the client (not its client_id).</summary>
    public string? ApplicationId { get; set; }

    public DateTimeOffset? CreationDate { get; set; }

    public ImmutableDictionary<string, JsonElement> Properties { get; set; } = ImmutableDictionary<string, JsonElement>.Empty;

    public string? Status { get; set; }

    public string? Subject { get; set; }

    public string? Type { get; set; }
}
