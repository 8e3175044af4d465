using System.Collections.Immutable;
using System.Text.Json;

namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// A token entry (row of <c>openiddict_tokens</c>): authorization codes, refresh tokens, access tokens when
/// token entry validation is on. <see cref="Payload"/> and <see cref="ReferenceId"/> are secrets: never log them.
/// </summary>
public sealed class OidcToken
{
    public string? Id { get; set; } = Guid.NewGuid().ToString();

    /// <summary>
    /// Changes on every update; an update or delete of a stale copy fails with a concurrency exception. This is
    /// what lets OpenIddict redeem a code or refresh token exactly once.
    /// </summary>
    public string? ConcurrencyToken { get; set; } = Guid.NewGuid().ToString();

    /// <summary>The <see cref="OidcApplication.Id"/> of the client (not its client_id).</summary>
    public string? ApplicationId { get; set; }

    public string? AuthorizationId { get; set; }

    public DateTimeOffset? CreationDate { get; set; }

    public DateTimeOffset? ExpirationDate { get; set; }

    public string? Payload { get; set; }

    public ImmutableDictionary<string, JsonElement> Properties { get; set; } = ImmutableDictionary<string, JsonElement>.Empty;

    public DateTimeOffset? RedemptionDate { get; set; }

    public string? ReferenceId { get; set; }

    public string? Status { get; set; }

    public string? Subject { get; set; }

    public string? Type { get; set; }
}
