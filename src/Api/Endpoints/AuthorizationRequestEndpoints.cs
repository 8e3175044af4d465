using MediatR;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Authorization.Queries;

namespace OneMcp.Api.Endpoints;

internal static class AuthorizationRequestEndpoints
{
    /// <summary>Optional body of an approval: the scopes granted, a subset of those requested (absent: all of them).</summary>
    public sealed record ApproveBody(IReadOnlyList<string>? Scopes);

    public static void MapAuthorizationRequests(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/authorization-requests").WithTags("Authorization requests").RequireAdmin();

        group.MapGet("", (IMediator mediator, CancellationToken ct) => mediator.Send(new ListAuthorizationRequestsQuery(), ct))
            .WithName("ListAuthorizationRequests");

        group.MapPost("/{id:guid}/approve", (Guid id, ApproveBody? body, HttpContext context, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new DecideAuthorizationRequestCommand(id, ApiCaller.Actor(context), Approve: true, body?.Scopes), ct))
            .WithName("ApproveAuthorizationRequest").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id:guid}/deny", (Guid id, HttpContext context, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new DecideAuthorizationRequestCommand(id, ApiCaller.Actor(context), Approve: false), ct))
            .WithName("DenyAuthorizationRequest").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }
}
