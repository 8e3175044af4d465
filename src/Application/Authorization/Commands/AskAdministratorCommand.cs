using MediatR;

namespace OneMcp.Application.Authorization.Commands;

/// <summary>
/// The user's "Ask an administrator" on the page shown when a client asks for tags they may not grant alone: their own
/// undecided request (opened with that page, pinned like a consent form) becomes one an administrator decides. Only this
/// click files it for an administrator; opening a link to the authorization endpoint does not.
/// </summary>
public sealed record AskAdministratorCommand(Guid RequestId, string Subject, string ClientId, string ParametersDigest) : IRequest<Unit>;
