using MediatR;
using OneMcp.Application.TagScopes.Commands;
using OneMcp.Application.TagScopes.Queries;

namespace OneMcp.Api.Endpoints;

internal static class TagScopeEndpoints
{
    public static void MapTagScopes(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/tag-scopes").WithTags("Tag scopes");

        group.MapGet("", (IMediator mediator, CancellationToken ct) => mediator.Send(new ListTagScopesQuery(), ct))
            .WithName("ListTagScopes");

        group.MapPut("/{tag}", (string tag, TagScopeEdit edit, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new SetTagScopeCommand(tag, edit), ct))
            .RequireAdmin().WithName("SetTagScope").ProducesProblem(StatusCodes.Status409Conflict);
    }
}
