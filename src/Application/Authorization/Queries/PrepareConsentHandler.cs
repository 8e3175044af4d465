using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization.Queries;

public sealed class PrepareConsentHandler(IOAuthClientRegistry clients, IBackendPool pool, ITagScopeRepository tagScopes, IUserRepository users)
    : IRequestHandler<PrepareConsentQuery, ConsentPlan>
{
    public async Task<ConsentPlan> Handle(PrepareConsentQuery request, CancellationToken cancellationToken)
    {
        var client = await clients.FindAsync(request.ClientId, cancellationToken)
            ?? throw new InvalidOperationException("The authorization server validated a client that does not exist.");
        var clientName = client.DisplayName ?? request.ClientId;

        var available = OAuthScopes.Current(pool);
        if (OAuthScopes.UnknownTagRefusal(request.Scopes, available) is { } refusal)
        {
            return new ConsentPlan(clientName, client.MayRefresh, refusal, [], [], [], [], false, new HashSet<Tag>(), request.ScopeValidation, null);
        }

        var requestedTags = new List<string>();
        var adminRequested = false;
        foreach (var scope in request.Scopes)
        {
            if (OAuthScopes.TryParseTag(scope, out var tag))
            {
                requestedTags.Add(OAuthScopes.ForTag(tag));
            }
            else if (scope == OAuthScopes.Admin)
            {
                adminRequested = true;
            }

            // offline_access follows the client's registration; other scopes (openid, profile...) are not granted.
        }

        // Tag scopes may be kept to admins or to named users and groups, and a backend is within a user's gift only when
        // they may grant every tag it carries; only administrators grant the admin scope. Groups are those the identity
        // provider named at the user's last sign-in (a local user has none).
        var rights = await GrantorRights.LoadAsync(users, tagScopes, request.UserName, request.IsAdmin, cancellationToken);
        var backends = pool.Backends.Where(b => !b.Settings.Disabled).ToList();
        requestedTags = [.. requestedTags.Distinct(StringComparer.Ordinal)];
        var withheld = rights.WithheldFrom(requestedTags, backends.Select(b => b.Settings.Tags), request.Match, request.ScopeValidation);

        // A client that names scopes is offered exactly those it may get; one that names none, every tag the user may grant.
        // The admin scope is only ever offered to an administrator, and never ticked in advance.
        List<string> requested = adminRequested && rights.IsAdmin ? [.. requestedTags, OAuthScopes.Admin] : requestedTags;
        List<string> offered = requested.Count > 0 || adminRequested
            ? requested
            : [.. available.Where(rights.MayGrant), .. rights.IsAdmin ? [OAuthScopes.Admin] : Array.Empty<string>()];
        var preview = request.ScopeValidation
            ? new ConsentPreview(request.Match, [.. backends.Select(b => (b.Name.Value, (IReadOnlyList<string>)[.. b.Settings.Tags.Select(t => t.Value)]))], rights.Withheld)
            : null;

        return new ConsentPlan(
            clientName,
            client.MayRefresh,
            Refusal: null,
            requestedTags,
            [.. withheld.Select(OAuthScopes.ForTag)],
            requested,
            offered,
            AdminDeclined: adminRequested && !rights.IsAdmin,
            rights.Withheld,
            request.ScopeValidation,
            preview);
    }
}
