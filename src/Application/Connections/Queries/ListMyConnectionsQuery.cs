using MediatR;
using OneMcp.Application.Authorization;

namespace OneMcp.Application.Connections.Queries;

/// <summary>
/// "My connections": every per-user backend of the pool, ordered by name, with what the owner has given it. With a
/// <paramref name="Grant"/> (a token under scope validation) only the backends the grant reaches, as the backend list.
/// </summary>
public sealed record ListMyConnectionsQuery(ConnectionOwner Owner, TagGrant? Grant = null) : IRequest<IReadOnlyList<MyConnectionView>>;
