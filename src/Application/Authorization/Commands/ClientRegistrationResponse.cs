namespace OneMcp.Application.Authorization.Commands;

/// <summary>The registered client (RFC 7591 §3.2.1); <see cref="ClientSecret"/> only for a confidential client.</summary>
public sealed record ClientRegistrationResponse(
    string ClientId,
    DateTimeOffset IssuedAt,
    string ClientName,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    string TokenEndpointAuthMethod,
    string? ClientSecret,
    string ApplicationType)
{
    // Records print every property; this one holds a secret.
    public override string ToString() => $"ClientRegistrationResponse {{ ClientId = {ClientId}, ClientName = {ClientName} }}";
}
