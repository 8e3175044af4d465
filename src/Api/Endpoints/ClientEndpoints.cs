using MediatR;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Authorization.Queries;

namespace OneMcp.Api.Endpoints;

internal static class ClientEndpoints
{
    public static void MapClients(this RouteGroupBuilder api)
    {
        // Admins (and everyone with auth off) see and revoke every grant; a member only their own.
        api.MapGet("/clients", (HttpContext context, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new ListClientsQuery(ApiCaller.OwnOnly(context)), ct))
            .WithTags("Clients").WithName("ListClients");

        api.MapDelete("/grants/{id}", async (string id, HttpContext context, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new RevokeGrantCommand(id, ApiCaller.OwnOnly(context)), ct);
                return TypedResults.NoContent();
            })
            .WithTags("Clients").WithName("RevokeGrant").ProducesProblem(StatusCodes.Status404NotFound);
    }
}
