using System.Diagnostics.CodeAnalysis;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>
/// The running backends as the data plane reads them: each one's connection, found by name. Ordered by name,
/// which is the stable merge order of every list. The control plane changes the same set through
/// <see cref="IBackendRuntime"/>; one Infrastructure object owns the set and implements both.
/// </summary>
public interface IBackendPool
{
    IReadOnlyList<IBackendConnection> Backends { get; }

    bool TryGet(ServerName name, [NotNullWhen(true)] out IBackendConnection? backend);

    /// <summary>True once every enabled backend has finished its first connect attempt (successful or not).</summary>
    bool InitialLoadCompleted { get; }
}
