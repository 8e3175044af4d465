using MediatR;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Queries;

/// <summary>Every user, ordered by name, without password hashes.</summary>
public sealed record ListUsersQuery : IRequest<IReadOnlyList<UserView>>;

public sealed class ListUsersHandler(IUserRepository repository) : IRequestHandler<ListUsersQuery, IReadOnlyList<UserView>>
{
    public async Task<IReadOnlyList<UserView>> Handle(ListUsersQuery request, CancellationToken cancellationToken) =>
        [.. (await repository.ListAsync(cancellationToken)).Select(UserView.From)];
}
