using System.Security.Cryptography;
using MediatR;

namespace OneMcp.Application.Authorization.Commands;

public sealed class ClientRegistrationHandler(IOAuthClientRegistry clients, TimeProvider time)
    : IRequestHandler<ClientRegistrationRequest, ClientRegistrationResponse>
{
    public const string UnnamedClient = "Unnamed application";

    public async Task<ClientRegistrationResponse> Handle(ClientRegistrationRequest request, CancellationToken cancellationToken)
    {
        var redirectUris = request.RedirectUris!.Select(u => u!).Distinct(StringComparer.Ordinal).ToArray();
        IReadOnlyList<string> grantTypes = request.GrantTypes ?? [ClientMetadata.AuthorizationCode];
        var authMethod = request.TokenEndpointAuthMethod ?? ClientMetadata.ClientSecretBasic;
        var clientName = request.ClientName?.Trim();
        var isPublic = authMethod == ClientMetadata.None;
        var applicationType = request.ApplicationType ?? OAuthApplicationTypes.Web;

        var registration = new OAuthClientRegistration(
            RandomToken(16),
            isPublic ? null : RandomToken(32),
            string.IsNullOrEmpty(clientName) ? UnnamedClient : clientName,
            [.. redirectUris.Select(u => new Uri(u))],
            grantTypes.Contains(ClientMetadata.RefreshToken),
            applicationType);
        await clients.RegisterAsync(registration, cancellationToken);

        return new ClientRegistrationResponse(
            registration.ClientId, time.GetUtcNow(), registration.DisplayName, redirectUris, grantTypes, authMethod, registration.ClientSecret, applicationType);
    }

    private static string RandomToken(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
