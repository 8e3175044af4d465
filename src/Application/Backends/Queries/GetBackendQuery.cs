using MediatR;

namespace OneMcp.Application.Backends.Queries;

public sealed record GetBackendQuery(string Name) : IRequest<BackendView>;
