namespace OneMcp.Application.Backends.OAuth;

/// <summary>A backend OAuth step that failed; <see cref="Code"/> is an OAuth-style error code shown to the operator.</summary>
/// <param name="code">The error code.</param>
/// <param name="message">What failed, for the operator.</param>
/// <param name="inner">The cause.</param>
/// <param name="transient">
/// The authorization server could not be reached, did not answer in time, or answered 408, 429 or 5xx: the same step may
/// work later. Anything else is its answer (a refused grant, a refused registration, metadata that cannot work).
/// </param>
/// <param name="oauthError">The <c>error</c> the authorization server answered (RFC 6749 §5.2), when it answered one.</param>
public sealed class BackendOAuthException(string code, string message, Exception? inner = null, bool transient = false, string? oauthError = null)
    : Exception(message, inner)
{
    public const string InvalidState = "invalid_state";
    public const string DiscoveryFailed = "discovery_failed";
    public const string RegistrationFailed = "registration_failed";
    public const string TokenExchangeFailed = "token_exchange_failed";

    public string Code { get; } = code;

    public bool Transient { get; } = transient;

    /// <summary>
    /// The OAuth <c>error</c> of the authorization server's answer (<c>invalid_grant</c>, ...); null when the answer was
    /// none (an HTML page from a proxy, a success without tokens), which says nothing about the grant itself.
    /// </summary>
    public string? OAuthError { get; } = oauthError;
}
