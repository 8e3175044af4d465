using MediatR;

namespace OneMcp.Application.Connections;

/// <summary>
/// The backend's authorization server sent a user's browser back to the gateway's callback: for a per-user backend,
/// the state must be that user's own pending one; with a code the user's tokens are stored (in use at once, or waiting
/// for an administrator), with an error the user's flow ends. A shared backend's answer goes to
/// <see cref="Backends.OAuth.CompleteBackendAuthorizationCommand"/> instead (<see cref="IsPerUserBackendQuery"/>).
/// </summary>
public sealed record CompleteUserConnectionCommand(
    string Name, ConnectionOwner Owner, string? State, string? Code, string? Error, string? ErrorDescription) : IRequest<UserConnectionOutcome>;
