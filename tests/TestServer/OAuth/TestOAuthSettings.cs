namespace OneMcp.TestServer.OAuth;

/// <summary>
/// The <c>--require-oauth</c> options: an optional pre-registered client (the gateway's "configured
/// oauth.clientId" case, confidential when it has a secret) and the lifetime of the access tokens.
/// </summary>
internal sealed record TestOAuthSettings(string? PreRegisteredClientId, string? PreRegisteredClientSecret, TimeSpan AccessTokenLifetime);
