namespace OneMcp.Application.Backends.OAuth;

/// <summary>A backend OAuth step that failed; <see cref="Code"/> is an OAuth-style error code shown to the operator.</summary>
public sealed class BackendOAuthException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public const string InvalidState = "invalid_state";
    public const string DiscoveryFailed = "discovery_failed";
    public const string RegistrationFailed = "registration_failed";
    public const string TokenExchangeFailed = "token_exchange_failed";

    public string Code { get; } = code;
}
