using MediatR;

namespace OneMcp.Application.Backends.Commands;

/// <summary>Switches a backend (of either origin) on; the switch survives restarts and config reloads.</summary>
public sealed record EnableBackendCommand(string Name) : IRequest<BackendView>;
