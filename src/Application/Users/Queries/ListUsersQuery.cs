using MediatR;

namespace OneMcp.Application.Users.Queries;

/// <summary>Every user, ordered by name, without password hashes.</summary>
public sealed record ListUsersQuery : IRequest<IReadOnlyList<UserView>>;
