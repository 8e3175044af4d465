using MediatR;

namespace OneMcp.Application.Connections.Commands;

/// <summary>An administrator removes a user's connection to a backend (secrets and tokens); that user's instance stops.</summary>
public sealed record RevokeConnectionCommand(string Backend, string UserName) : IRequest<Unit>;
