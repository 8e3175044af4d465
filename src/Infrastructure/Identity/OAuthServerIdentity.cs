namespace OneMcp.Infrastructure.Identity;

/// <summary>The issuer (the gateway's external URL) and the one resource its tokens are for (RFC 8707), their audience.</summary>
public sealed record OAuthServerIdentity(Uri Issuer, string Resource);
