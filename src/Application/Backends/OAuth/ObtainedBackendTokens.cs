namespace OneMcp.Application.Backends.OAuth;

/// <param name="ProtectedTokens">Encrypted with the gateway's Data Protection keys: safe to keep on a pending request.</param>
/// <param name="Scopes">What the backend's authorization server granted.</param>
public sealed record ObtainedBackendTokens(string ProtectedTokens, IReadOnlyList<string> Scopes);
