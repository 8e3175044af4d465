using FluentValidation;
using FluentValidation.Results;

namespace OneMcp.Application.Authorization.Commands;

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
                || (method is not null && !ClientMetadata.TokenEndpointAuthMethods.Contains(method)))
            {
                Fail(context, ClientMetadata.InvalidClientMetadata, $"token_endpoint_auth_method must be one of: {string.Join(", ", ClientMetadata.TokenEndpointAuthMethods)}.");
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
