using MediatR;

namespace OneMcp.Application.Backends.OAuth;

/// <summary>
/// An operator clicks Authorize: the gateway prepares the backend's OAuth flow for that user and answers where to
/// send the browser. <paramref name="DefaultRedirectUri"/> is the gateway's own <c>/oauth/callback/&lt;name&gt;</c>
/// (a backend's <c>oauth.redirectUrl</c> replaces it).
/// </summary>
public sealed record StartBackendAuthorizationCommand(string Name, string Subject, Uri DefaultRedirectUri) : IRequest<Uri>;
