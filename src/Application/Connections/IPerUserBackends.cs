using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections;

/// <summary>
/// The running connections of per-user backends, one per backend and user (ADR 0033). The data plane asks for the
/// caller's; the control plane releases them when a connection, a user or a backend goes away. Implemented in
/// Infrastructure.
/// </summary>
public interface IPerUserBackends
{
    /// <summary>
    /// The connection of <paramref name="backend"/> (a per-user backend from the pool) that carries
    /// <paramref name="owner"/>'s credentials, started on first use.
    /// </summary>
    /// <exception cref="UserConnectionRequiredException">The owner has not connected the backend (or not completely).</exception>
    /// <exception cref="TooManyInstancesException">The backend already runs its <c>maxInstances</c> for other users.</exception>
    ValueTask<IBackendConnection> ForOwnerAsync(IBackendConnection backend, ConnectionOwner owner, CancellationToken cancellationToken);

    /// <summary>
    /// The owner's connection of <paramref name="backend"/> if one runs and is connected; null otherwise. Never starts
    /// one: a list (resources) is answered from what runs, a list request does not start a process per user.
    /// </summary>
    IBackendConnection? Running(IBackendConnection backend, ConnectionOwner owner);

    /// <summary>
    /// Every owner with a connection running (or starting) on this replica, whether or not they are still a user: one
    /// removed while this replica missed the news is found here, and nowhere else.
    /// </summary>
    IReadOnlyCollection<ConnectionOwner> OwnersRunning();

    /// <summary>
    /// The owner's stored connection changed (or is gone): their running instance is stopped, so the next call starts
    /// one with what is stored now. <paramref name="backend"/> null: every backend of the owner.
    /// </summary>
    Task ReleaseAsync(ServerName? backend, ConnectionOwner owner, CancellationToken cancellationToken);
}
