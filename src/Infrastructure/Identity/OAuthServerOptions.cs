namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// What the host tells the gateway's OAuth 2.1 authorization server (<c>--enable-auth</c>): where its endpoints are
/// mapped, how long access tokens live, and who it is once the gateway listens.
/// </summary>
public sealed class OAuthServerOptions
{
    /// <summary>A refresh-token family lives this long from the first grant, and rotation never extends it.</summary>
    public static readonly TimeSpan RefreshFamilyLifetime = TimeSpan.FromDays(30);

    public static readonly TimeSpan AuthorizationCodeLifetime = TimeSpan.FromSeconds(60);

    public required string AuthorizationPath { get; init; }

    public required string TokenPath { get; init; }

    public required string RevocationPath { get; init; }

    /// <summary>Dynamic client registration (RFC 7591), mapped by the host; advertised in the server metadata.</summary>
    public required string RegistrationPath { get; init; }

    public required TimeSpan AccessTokenLifetime { get; init; }

    /// <summary>
    /// The issuer and the protected resource. A factory, since with <c>--port 0</c> they are only known once the
    /// gateway listens (it is called on the first OAuth request, after that).
    /// </summary>
    public required Func<IServiceProvider, OAuthServerIdentity> Identity { get; init; }
}
