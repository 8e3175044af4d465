using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using OneMcp.Application.Audit;
using OpenIddict.Abstractions;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// The audit log's caller: the HTTP request's user (cookie or bearer token) and, for a token, its OAuth client.
/// The authorization page signs its user in by hand (not through the request's principal); it leaves them in
/// <see cref="HttpContext.Items"/> under <see cref="ItemKey"/>.
/// </summary>
internal sealed class HttpCurrentUser(IHttpContextAccessor accessor) : ICurrentUser
{
    public const string ItemKey = "onemcp.audit.actor";

    public AuditActor Actor => accessor.HttpContext is { } context ? Of(context) : AuditActor.Anonymous;

    public static AuditActor Of(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var stashed) && stashed is AuditActor actor)
        {
            return actor;
        }

        return Of(context.User);
    }

    public static AuditActor Of(ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true
        ? new AuditActor(
            user.GetClaim(OpenIddictConstants.Claims.Name),
            user.GetClaim(OpenIddictConstants.Claims.Subject),
            user.GetClaim(OpenIddictConstants.Claims.ClientId) ?? user.GetClaim(OpenIddictConstants.Claims.AuthorizedParty))
        : AuditActor.Anonymous;
}
