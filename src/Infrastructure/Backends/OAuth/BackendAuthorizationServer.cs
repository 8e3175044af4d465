namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>The server metadata the flow needs (RFC 9728 + RFC 8414).</summary>
public sealed record BackendAuthorizationServer(
    string Issuer, Uri AuthorizationEndpoint, Uri TokenEndpoint, Uri? RegistrationEndpoint, string Resource, IReadOnlyList<string> ScopesSupported);
