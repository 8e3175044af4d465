using System.Security.Cryptography;
using FluentValidation;
using FluentValidation.Results;
using MediatR;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// RFC 7591 dynamic client registration, which MCP clients use to register themselves: the client metadata as sent.
/// Redirect URIs must be https or loopback (<see cref="RedirectUriRules"/>); PKCE is always required.
/// <para>
/// Deliberately not a <c>...Command</c>: anyone may register (rate-limited per address), unused registrations are
/// pruned, and the audit log records decisions, not registrations.
/// </para>
/// </summary>
/// <param name="RedirectUris"><c>redirect_uris</c>; null when absent or not a list, an entry that is not text null.</param>
/// <param name="GrantTypes"><c>grant_types</c> without repeats; null when absent.</param>
/// <param name="ResponseTypes"><c>response_types</c>; null when absent.</param>
/// <param name="TokenEndpointAuthMethod"><c>token_endpoint_auth_method</c>; null when absent.</param>
/// <param name="ClientName"><c>client_name</c> as sent; null when absent.</param>
/// <param name="Malformed">The members present with the wrong JSON type (a list that is not all text, text that is not text).</param>
/// <param name="ApplicationType"><c>application_type</c> (<c>web</c> or <c>native</c>); null when absent, which means <c>web</c>.</param>
public sealed record ClientRegistrationRequest(
    IReadOnlyList<string?>? RedirectUris,
    IReadOnlyList<string>? GrantTypes,
    IReadOnlyList<string>? ResponseTypes,
    string? TokenEndpointAuthMethod,
    string? ClientName,
    IReadOnlySet<string> Malformed,
    string? ApplicationType = null) : IRequest<ClientRegistrationResponse>;

/// <summary>The registered client (RFC 7591 §3.2.1); <see cref="ClientSecret"/> only for a confidential client.</summary>
public sealed record ClientRegistrationResponse(
    string ClientId,
    DateTimeOffset IssuedAt,
    string ClientName,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    string TokenEndpointAuthMethod,
    string? ClientSecret,
    string ApplicationType)
{
    // Records print every property; this one holds a secret.
    public override string ToString() => $"ClientRegistrationResponse {{ ClientId = {ClientId}, ClientName = {ClientName} }}";
}

/// <summary>The metadata names and values of RFC 7591 that the gateway reads or accepts.</summary>
public static class ClientMetadata
{
    public const string RedirectUris = "redirect_uris";
    public const string GrantTypes = "grant_types";
    public const string ResponseTypes = "response_types";
    public const string TokenEndpointAuthMethod = "token_endpoint_auth_method";
    public const string ClientName = "client_name";
    public const string ApplicationType = "application_type";

    public const string AuthorizationCode = "authorization_code";
    public const string RefreshToken = "refresh_token";
    public const string Code = "code";
    public const string None = "none";
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";

    /// <summary>The error of RFC 7591 §3.2.2 for a redirect URI that cannot be registered.</summary>
    public const string InvalidRedirectUri = "invalid_redirect_uri";

    /// <summary>The error of RFC 7591 §3.2.2 for any other metadata that cannot be accepted.</summary>
    public const string InvalidClientMetadata = "invalid_client_metadata";

    public const int MaxRedirectUris = 10;
    public const int MaxClientNameLength = 200;
}

/// <summary>
/// The registration rules, checked in this order; the first broken one is the answer (its RFC 7591 error is the
/// failure's <see cref="ValidationFailure.ErrorCode"/>).
/// </summary>
public sealed class ClientRegistrationRequestValidator : AbstractValidator<ClientRegistrationRequest>
{
    public ClientRegistrationRequestValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;

        RuleFor(r => r.RedirectUris).Custom((uris, context) =>
        {
            if (uris is not { Count: > 0 })
            {
                Fail(context, ClientMetadata.InvalidRedirectUri, "redirect_uris is required: a list of https or loopback URIs.");
            }
            else if (uris.Count > ClientMetadata.MaxRedirectUris)
            {
                Fail(context, ClientMetadata.InvalidRedirectUri, $"At most {ClientMetadata.MaxRedirectUris} redirect URIs may be registered.");
            }
            else if (uris.Select(RedirectUriRules.Problem).FirstOrDefault(p => p is not null) is { } problem)
            {
                Fail(context, ClientMetadata.InvalidRedirectUri, problem);
            }
        });

        RuleFor(r => r.GrantTypes).Custom((grants, context) =>
        {
            if (context.InstanceToValidate.Malformed.Contains(ClientMetadata.GrantTypes))
            {
                Fail(context, ClientMetadata.InvalidClientMetadata, "grant_types must be a list of strings.");
            }
            else if (grants?.FirstOrDefault(g => g is not (ClientMetadata.AuthorizationCode or ClientMetadata.RefreshToken)) is { } grant)
            {
                Fail(context, ClientMetadata.InvalidClientMetadata, $"The grant type '{grant}' is not supported; use authorization_code and refresh_token.");
            }
            else if (grants is not null && !grants.Contains(ClientMetadata.AuthorizationCode))
            {
                Fail(context, ClientMetadata.InvalidClientMetadata, "grant_types must include authorization_code.");
            }
        });

        RuleFor(r => r.ResponseTypes).Custom((responses, context) =>
        {
            if (context.InstanceToValidate.Malformed.Contains(ClientMetadata.ResponseTypes) || responses?.Any(r => r != ClientMetadata.Code) == true)
            {
                Fail(context, ClientMetadata.InvalidClientMetadata, "Only the response type 'code' is supported.");
            }
        });

        RuleFor(r => r.TokenEndpointAuthMethod).Custom((method, context) =>
        {
            if (context.InstanceToValidate.Malformed.Contains(ClientMetadata.TokenEndpointAuthMethod)
                || method is not (null or ClientMetadata.None or ClientMetadata.ClientSecretBasic or ClientMetadata.ClientSecretPost))
            {
                Fail(context, ClientMetadata.InvalidClientMetadata, "token_endpoint_auth_method must be none, client_secret_basic or client_secret_post.");
            }
        });

        RuleFor(r => r.ApplicationType).Custom((type, context) =>
        {
            if (context.InstanceToValidate.Malformed.Contains(ClientMetadata.ApplicationType) || type is not (null or OAuthApplicationTypes.Web or OAuthApplicationTypes.Native))
            {
                Fail(context, ClientMetadata.InvalidClientMetadata, "application_type must be web or native.");
            }
        });

        RuleFor(r => r.ClientName).Custom((name, context) =>
        {
            if (context.InstanceToValidate.Malformed.Contains(ClientMetadata.ClientName)
                || name is not null && (name.Length > ClientMetadata.MaxClientNameLength || name.Any(char.IsControl)))
            {
                Fail(context, ClientMetadata.InvalidClientMetadata, $"client_name must be text of at most {ClientMetadata.MaxClientNameLength} characters.");
            }
        });
    }

    // Added as written: the message quotes the client's own text, which must not be read as a message template.
    private static void Fail<T>(ValidationContext<T> context, string error, string description) =>
        context.AddFailure(new ValidationFailure(context.PropertyPath, description) { ErrorCode = error });
}

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
