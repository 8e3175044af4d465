using MediatR;

namespace OneMcp.Application.Connections.Commands;

/// <summary>A user removes their own connection to a backend (secrets and tokens); their running instance stops.</summary>
public sealed record DisconnectMyConnectionCommand(string Backend, ConnectionOwner Owner) : IRequest<Unit>;
