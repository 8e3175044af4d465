using OneMcp.Application.Audit;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// Audits every request to the revocation endpoint (RFC 7009): who revoked which kind of token for which client,
/// and a refused request with its OAuth error. Never the token itself. Anyone can call the endpoint: the client id it
/// was sent is clipped (<see cref="AuditText"/>).
/// </summary>
internal sealed class AuditRevocationHandler(IAuditLog audit, TimeProvider time) :
    IOpenIddictServerHandler<HandleRevocationRequestContext>,
    IOpenIddictServerHandler<ApplyRevocationResponseContext>
{
    private const string Name = "oauth/revoke";

    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors { get; } =
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseSingletonHandler<AuditRevocationHandler>().SetOrder(int.MaxValue - 50_000).SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyRevocationResponseContext>()
            .UseSingletonHandler<AuditRevocationHandler>().SetOrder(50_000).SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    public ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        if (!context.IsRejected)
        {
            var principal = context.GenericTokenPrincipal;
            audit.Record(new AuditEntry(
                time.GetUtcNow(), AuditKinds.Revocation, AuditOutcomes.Success,
                principal?.GetClaim(Claims.Name), principal?.GetClaim(Claims.Subject), AuditText.Clip(context.Request.ClientId),
                null, Name + (principal?.GetTokenType() is { } type ? " " + type : string.Empty), 0, null));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(ApplyRevocationResponseContext context)
    {
        if (context.Response?.Error is { Length: > 0 } error)
        {
            audit.Record(new AuditEntry(
                time.GetUtcNow(), AuditKinds.Revocation, AuditOutcomes.Failure, null, null, AuditText.Clip(context.Request?.ClientId), null, Name, 0, error));
        }

        return ValueTask.CompletedTask;
    }
}
