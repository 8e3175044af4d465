namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>A started authorization: who started it, the SHA-256 of its state, and the PKCE verifier.</summary>
public sealed record PendingBackendFlow(string Subject, string StateHash, string CodeVerifier, DateTimeOffset StartedAt);
