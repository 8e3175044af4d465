using Microsoft.Extensions.Primitives;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// An authorization request naming one of its single-valued parameters twice is refused with <c>invalid_request</c>
/// (RFC 6749 §3.1), on the page: OpenIddict reads a repeated parameter as absent, so two <c>redirect_uri</c> were
/// taken for none (the client's registered one) and two <c>state</c> were dropped from the answer. <c>resource</c>
/// may repeat (RFC 8707), and so may fields of the consent form that are not OAuth parameters.
/// </summary>
internal sealed class RejectRepeatedParametersHandler : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
{
    private static readonly string[] SingleValued =
    [
        Parameters.ClientId, Parameters.RedirectUri, Parameters.ResponseType, Parameters.ResponseMode, Parameters.Scope, Parameters.State,
        Parameters.CodeChallenge, Parameters.CodeChallengeMethod, Parameters.Nonce, Parameters.Prompt,
    ];

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
        .UseSingletonHandler<RejectRepeatedParametersHandler>()
        // Before any parameter is read, and so before a redirect URI is trusted: the error stays on the page.
        .SetOrder(OpenIddictServerHandlers.Authentication.ValidateClientIdParameter.Descriptor.Order - 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var name in SingleValued)
        {
            if (context.Request.GetParameter(name) is { } value && ((StringValues)value).Count > 1)
            {
                context.Reject(Errors.InvalidRequest, $"The '{name}' parameter must not be repeated.");
                break;
            }
        }

        return ValueTask.CompletedTask;
    }
}
