using MediatR;
using OneMcp.Application.Connections;
using OneMcp.Application.Connections.Commands;
using OneMcp.Application.Connections.Queries;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Endpoints;

/// <summary>
/// Users' own connections to per-user backends (<c>/api/me/connections</c>, every signed-in user, for themselves) and
/// everyone's, for administrators (<c>/api/connections</c>). Values go in only: no answer carries one.
/// </summary>
internal static class ConnectionEndpoints
{
    public sealed record AuthorizationAnswer(Uri AuthorizationUrl);

    public static void MapConnections(this RouteGroupBuilder api)
    {
        var mine = api.MapGroup("/me/connections").WithTags("Connections");
        // Under scope validation a token lists only the backends its grant reaches; the others do not exist for it.
        mine.MapGet("", (HttpContext context, IMediator mediator, CancellationToken ct) =>
                NoStore(context, mediator.Send(new ListMyConnectionsQuery(OwnerOf(context), ScopeGrants.For(context)), ct)))
            .WithName("ListMyConnections");
        mine.MapPut("/{backend}/secrets", (string backend, Dictionary<string, string?>? values, HttpContext context, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new SetMySecretsCommand(backend, OwnerOf(context), values), ct))
            .WithName("SetMySecrets").ProducesProblem(StatusCodes.Status404NotFound);
        mine.MapPost("/{backend}/oauth/authorize", async (string backend, HttpContext context, IMediator mediator, CancellationToken ct) =>
                new AuthorizationAnswer(await mediator.Send(
                    new StartMyConnectionAuthorizationCommand(backend, OwnerOf(context), BackendOAuthEndpoints.CallbackUrl(context, backend)), ct)))
            .WithName("AuthorizeMyConnection").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status502BadGateway);
        mine.MapDelete("/{backend}", async (string backend, HttpContext context, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new DisconnectMyConnectionCommand(backend, OwnerOf(context)), ct);
                return TypedResults.NoContent();
            })
            .WithName("DisconnectMyConnection").ProducesProblem(StatusCodes.Status404NotFound);

        var all = api.MapGroup("/connections").WithTags("Connections");
        all.MapGet("", (string? backend, HttpContext context, IMediator mediator, CancellationToken ct) => NoStore(context, mediator.Send(new ListConnectionsQuery(QueryParameter.OrNull(backend)), ct)))
            .RequireAdmin().WithName("ListConnections");
        all.MapDelete("/{backend}/{user}", async (string backend, string user, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new RevokeConnectionCommand(backend, user), ct);
                return TypedResults.NoContent();
            })
            .RequireAdmin().WithName("RevokeConnection").ProducesProblem(StatusCodes.Status404NotFound);
        all.MapPost("/{backend}/{user}/approve", async (string backend, string user, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new ApproveConnectionCommand(backend, user), ct);
                return TypedResults.NoContent();
            })
            .RequireAdmin().WithName("ApproveConnection").ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>The signed-in user; the one local user when authentication is off.</summary>
    private static ConnectionOwner OwnerOf(HttpContext context) =>
        ApiCaller.Subject(context) is { Length: > 0 } subject ? new ConnectionOwner(subject) : ConnectionOwner.Local;

    private static async Task<T> NoStore<T>(HttpContext context, Task<T> answer)
    {
        context.Response.Headers.CacheControl = "no-store";
        return await answer;
    }
}
