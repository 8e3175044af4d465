namespace OneMcp.Infrastructure.Persistence.OpenIddict;

/// <summary>
/// A token entry (row of <c>openiddict_tokens</c>): authorization codes, refresh tokens, access tokens when
/// token entry validation is on. <see cref="Payload"/> and <see cref="ReferenceId"/> are secrets: never log them.
/// </summary>
public sealed class OidcToken : OidcEntry
{
    public string? AuthorizationId { get; set; }

    public DateTimeOffset? ExpirationDate { get; set; }

    public string? Payload { get; set; }

    public DateTimeOffset? RedemptionDate { get; set; }

    public string? ReferenceId { get; set; }
}
