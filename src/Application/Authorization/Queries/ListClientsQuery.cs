using MediatR;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>
/// Registered clients with their grants. <paramref name="Subject"/> null: every grant (an admin, or auth off);
/// otherwise only that user's grants, and only the clients holding one, so a member learns nothing of others.
/// </summary>
public sealed record ListClientsQuery(string? Subject) : IRequest<IReadOnlyList<OAuthClientView>>;
