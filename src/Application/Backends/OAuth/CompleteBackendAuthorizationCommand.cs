using MediatR;
using OneMcp.Domain.AuthorizationRequests;

namespace OneMcp.Application.Backends.OAuth;

/// <summary>
/// The backend's authorization server sent the browser back: the state must be the one this user started. With a
/// code the tokens are obtained and wait, encrypted, on an <see cref="AuthorizationRequest"/> for an operator's
/// decision; with an error the flow ends. Returns the request's id.
/// </summary>
public sealed record CompleteBackendAuthorizationCommand(string Name, string Subject, string? State, string? Code, string? Error, string? ErrorDescription) : IRequest<Guid>;
