using MediatR;

namespace OneMcp.Application.Backends.Commands;

/// <summary>Removes an API backend and stops it; config backends leave with mcp.json.</summary>
public sealed record RemoveBackendCommand(string Name) : IRequest<Unit>;
