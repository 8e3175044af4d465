using MediatR;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.Commands;

/// <summary>Registers a backend owned by the API (origin <see cref="BackendOrigin.Api"/>); it starts at once.</summary>
public sealed record RegisterBackendCommand : BackendDefinition, IRequest<BackendView>
{
    public string? Name { get; init; }
}
