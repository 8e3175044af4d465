using MediatR;
using OneMcp.Application.Users.Commands;
using OneMcp.Application.Users.Queries;

namespace OneMcp.Api.Endpoints;

internal static class UserEndpoints
{
    public static void MapUsers(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/users").WithTags("Users");

        group.MapGet("", (IMediator mediator, CancellationToken ct) => mediator.Send(new ListUsersQuery(), ct))
            .RequireAdmin().WithName("ListUsers");

        group.MapPost("", async (AddUserCommand command, IMediator mediator, CancellationToken ct) =>
            {
                var user = await mediator.Send(command, ct);
                return TypedResults.Created($"{ControlPlaneApi.Prefix}/users/{Uri.EscapeDataString(user.UserName)}", user);
            })
            .RequireAdmin().WithName("AddUser").ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPatch("/{name}", (string name, UserEdit edit, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new UpdateUserCommand(name, edit), ct))
            .RequireAdmin().WithName("UpdateUser").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{name}/password", async (string name, PasswordBody body, IMediator mediator, HttpContext context, CancellationToken ct) =>
            {
                await mediator.Send(new SetPasswordCommand(name, body.Password ?? string.Empty), ct);
                await Infrastructure.Identity.CookieSessions.RenewAfterOwnPasswordChangeAsync(context, name);
                return TypedResults.NoContent();
            })
            .RequireAdmin().WithName("SetUserPassword").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapDelete("/{name}", async (string name, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new RemoveUserCommand(name), ct);
                return TypedResults.NoContent();
            })
            .RequireAdmin().WithName("RemoveUser").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    /// <summary>The body of <c>POST /api/users/{name}/password</c>.</summary>
    internal sealed record PasswordBody(string? Password)
    {
        // Records print every property; this one holds a password.
        public override string ToString() => "PasswordBody";
    }
}
