using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections;

/// <summary>
/// A call to a per-user backend by a user who has not connected it, or whose connection can no longer be used
/// (<see cref="Missing"/> says what is lacking).
/// </summary>
public sealed class UserConnectionRequiredException(ServerName backend, string missing, Exception? innerException = null)
    : Exception($"You have not connected the backend '{backend}' yet: {missing}", innerException)
{
    public ServerName Backend { get; } = backend;

    /// <summary>One sentence: which secrets are not set, or that the backend's OAuth authorization is needed.</summary>
    public string Missing { get; } = missing;
}

/// <summary>A per-user backend already runs as many instances as it may (<c>maxInstances</c>).</summary>
public sealed class TooManyInstancesException(ServerName backend, int limit)
    : Exception($"The backend '{backend}' already runs for {limit} users, its limit (maxInstances). Try again later or ask an administrator to raise it.")
{
    public ServerName Backend { get; } = backend;

    public int Limit { get; } = limit;
}
