using MediatR;

namespace OneMcp.Application.Connections.Commands;

/// <summary>
/// An administrator approves the OAuth tokens a user obtained for a per-user backend with <c>"approval": "admin"</c>;
/// that user's calls run with them from now on.
/// </summary>
public sealed record ApproveConnectionCommand(string Backend, string UserName) : IRequest<Unit>;
