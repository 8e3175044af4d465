using MediatR;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// RFC 7591 dynamic client registration, which MCP clients use to register themselves: the client metadata as sent.
/// Redirect URIs must be https or loopback (<see cref="RedirectUriRules"/>); PKCE is always required.
/// <para>
/// Deliberately not a <c>...Command</c>: anyone may register (rate-limited per address), unused registrations are
/// pruned, and the audit log records decisions, not registrations.
/// </para>
/// </summary>
/// <param name="RedirectUris"><c>redirect_uris</c>; null when absent or not a list, an entry that is not text null.</param>
/// <param name="GrantTypes"><c>grant_types</c> without repeats; null when absent.</param>
/// <param name="ResponseTypes"><c>response_types</c>; null when absent.</param>
/// <param name="TokenEndpointAuthMethod"><c>token_endpoint_auth_method</c>; null when absent.</param>
/// <param name="ClientName"><c>client_name</c> as sent; null when absent.</param>
/// <param name="Malformed">The members present with the wrong JSON type (a list that is not all text, text that is not text).</param>
/// <param name="ApplicationType"><c>application_type</c> (<c>web</c> or <c>native</c>); null when absent, which means <c>web</c>.</param>
public sealed record ClientRegistrationRequest(
    IReadOnlyList<string?>? RedirectUris,
    IReadOnlyList<string>? GrantTypes,
    IReadOnlyList<string>? ResponseTypes,
    string? TokenEndpointAuthMethod,
    string? ClientName,
    IReadOnlySet<string> Malformed,
    string? ApplicationType = null) : IRequest<ClientRegistrationResponse>;
