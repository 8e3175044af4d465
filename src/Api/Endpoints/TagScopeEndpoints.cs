using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.TagScopes.Commands;
using OneMcp.Application.TagScopes.Queries;

namespace OneMcp.Api.Endpoints;

internal static class TagScopeEndpoints
{
    public static void MapTagScopes(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/tag-scopes").WithTags("Tag scopes");

        // Every tag is listed (they are public in scopes_supported); under scope validation a token's answer names
        // only the backends its grant reaches, as GET /api/backends does.
        group.MapGet("", async (HttpContext context, IBackendPool pool, IMediator mediator, CancellationToken ct) =>
                (await mediator.Send(new ListTagScopesQuery(), ct))
                    .Select(s => s with { Backends = [.. s.Backends.Where(b => Reachable(context, pool, b))] })
                    .ToList())
            .WithName("ListTagScopes");

        group.MapPut("/{tag}", (string tag, TagScopeEdit edit, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new SetTagScopeCommand(tag, edit), ct))
            .RequireAdmin().WithName("SetTagScope").ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static bool Reachable(HttpContext context, IBackendPool pool, string backend) =>
        pool.Backends.FirstOrDefault(b => b.Name.Value == backend) is { } connection
        && Auth.ScopeGrants.Reaches(context, connection.Settings.Tags.Select(t => t.Value));
}
