using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>
/// The running backends, as the control plane drives them (the data plane reads the same set through
/// <see cref="IBackendPool"/>): <see cref="ApplyAsync"/> moves them to a desired
/// set (new ones start, missing ones stop, changed ones restart, metadata changes apply in place).
/// </summary>
public interface IBackendRuntime
{
    Task ApplyAsync(IReadOnlyList<BackendSettings> desired, bool waitForConnections, CancellationToken cancellationToken);

    /// <summary>Opens a fresh connection to one backend (its credentials changed); unknown names are ignored.</summary>
    Task ReconnectAsync(ServerName name, CancellationToken cancellationToken);
}
