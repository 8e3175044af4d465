using MediatR;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>
/// What the consent page of one signed-in user offers for one OAuth authorization request (the client, redirect URI,
/// PKCE and resource already validated): the scopes the client may be given, or why an administrator must decide.
/// </summary>
/// <param name="ClientId">The client the authorization server validated.</param>
/// <param name="UserName">The signed-in user.</param>
/// <param name="IsAdmin">Whether that user is an administrator.</param>
/// <param name="Scopes">The scopes of the OAuth request, as sent.</param>
/// <param name="Match">How tag scopes select backends (<c>--scope-match</c>).</param>
/// <param name="ScopeValidation">Whether scopes limit what a token reaches (<c>--enable-scope-validation</c>).</param>
public sealed record PrepareConsentQuery(
    string ClientId, string UserName, bool IsAdmin, IReadOnlyList<string> Scopes, ScopeMatch Match, bool ScopeValidation) : IRequest<ConsentPlan>;
