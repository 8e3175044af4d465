using MediatR;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Queries;

public sealed class ListUsersHandler(IUserRepository repository) : IRequestHandler<ListUsersQuery, IReadOnlyList<UserView>>
{
    public async Task<IReadOnlyList<UserView>> Handle(ListUsersQuery request, CancellationToken cancellationToken) =>
        [.. (await repository.ListAsync(cancellationToken)).Select(UserView.From)];
}
