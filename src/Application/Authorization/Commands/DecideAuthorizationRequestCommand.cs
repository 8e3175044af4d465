using MediatR;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// An administrator approves or denies a request waiting for them. A backend connection approved: its tokens
/// become the backend's credentials and it reconnects; denied: the tokens are discarded. A client request approved
/// with <paramref name="Scopes"/> (default: all requested) lets the user's waiting consent page continue.
/// </summary>
public sealed record DecideAuthorizationRequestCommand(Guid Id, string Actor, bool Approve, IReadOnlyList<string>? Scopes = null) : IRequest<AuthorizationRequestView>;
