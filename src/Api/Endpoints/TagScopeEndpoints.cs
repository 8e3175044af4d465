using MediatR;
using OneMcp.Application.TagScopes.Commands;
using OneMcp.Application.TagScopes.Queries;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Endpoints;

internal static class TagScopeEndpoints
{
    public static void MapTagScopes(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/tag-scopes").WithTags("Tag scopes");

        // Under scope validation a token's answer names only the backends its grant reaches (the query filters them).
        group.MapGet("", (HttpContext context, IMediator mediator, CancellationToken ct) => mediator.Send(new ListTagScopesQuery(ScopeGrants.For(context)), ct))
            .WithName("ListTagScopes");

        group.MapPut("/{tag}", (string tag, TagScopeEdit edit, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new SetTagScopeCommand(tag, edit), ct))
            .RequireAdmin().WithName("SetTagScope").ProducesProblem(StatusCodes.Status409Conflict);
    }
}
