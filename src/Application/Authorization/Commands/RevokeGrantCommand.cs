using MediatR;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// Revokes a grant and every token issued from it; the client's next request is refused. With
/// <paramref name="Subject"/> set (a member) only that user's own grants can be revoked: any other is "not found",
/// so a member cannot probe which grant ids exist.
/// </summary>
public sealed record RevokeGrantCommand(string Id, string? Subject) : IRequest<Unit>;
