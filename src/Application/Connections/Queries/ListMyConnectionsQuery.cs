using MediatR;

namespace OneMcp.Application.Connections.Queries;

/// <summary>"My connections": every per-user backend of the pool, ordered by name, with what the owner has given it.</summary>
public sealed record ListMyConnectionsQuery(ConnectionOwner Owner) : IRequest<IReadOnlyList<MyConnectionView>>;
