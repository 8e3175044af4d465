using MediatR;

namespace OneMcp.Application.Connections.Commands;

/// <summary>
/// A user enters their own values for secrets a per-user backend references (<c>${user:NAME}</c>); the others they
/// set stay. Write-only: the answer says when each was set, never a value.
/// </summary>
public sealed record SetMySecretsCommand(string Backend, ConnectionOwner Owner, IReadOnlyDictionary<string, string?>? Values) : IRequest<MyConnectionView>;
