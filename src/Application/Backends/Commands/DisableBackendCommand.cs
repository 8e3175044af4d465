using MediatR;

namespace OneMcp.Application.Backends.Commands;

/// <summary>Switches a backend (of either origin) off; its connection stops.</summary>
public sealed record DisableBackendCommand(string Name) : IRequest<BackendView>;
