using MediatR;

namespace OneMcp.Application.Connections.Queries;

/// <summary>Administrators: who connected which per-user backend (all of them, or <paramref name="Backend"/>'s) and when; never a value.</summary>
public sealed record ListConnectionsQuery(string? Backend) : IRequest<IReadOnlyList<ConnectionView>>;
